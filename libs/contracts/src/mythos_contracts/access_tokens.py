"""What every verifier of the auth service's access tokens agrees on."""

from __future__ import annotations

CLOCK_LEEWAY_SECONDS = 5
"""How far in the future a token's ``iat`` (and ``nbf``) may lie: the clocks of the auth
service and of whoever verifies its tokens may differ by this much, so a token issued a
moment ago by a clock slightly ahead is not refused as "not yet valid". ``exp`` gets no
leeway: a token's lifetime is never extended."""
