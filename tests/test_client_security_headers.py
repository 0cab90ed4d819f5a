"""The client's pages come with a strict Content-Security-Policy, in both run modes:
only this origin's own scripts, styles and connections; no inline script, no eval, no
framing. (The Kubernetes image's nginx sends the same policy: infra/k8s tests.) The
distributed mode runs behind either front door (``MYTHOS_FRONT_DOOR``): both are checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

# (mode, front door): the embedded mode serves the client itself. Module-scoped: the
# tests of one run follow each other and share its system (they only read).
RUNS = [("embedded", "caddy"), ("distributed", "caddy"), ("distributed", "nginx")]


@pytest.mark.parametrize(("mode", "front_door"), RUNS, scope="module")
def test_the_client_page_carries_a_strict_csp(
    mode: str, front_door: str, shared_system: Callable[..., Any]
) -> None:
    system = shared_system(mode, MYTHOS_FRONT_DOOR=front_door)
    # The app shell, and the fallback to it for a path that is no file (the client's routes).
    for path in ("/", "/index.html", "/some/client/route"):
        page = httpx.get(system.url + path, timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower(), path
        policy = page.headers.get("content-security-policy", "")
        print(f"{mode} {path}: {policy}")
        directives = {
            name: value.strip()
            for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
            if name
        }
        assert directives.get("default-src") == "'self'"
        assert directives.get("script-src") == "'self'"
        assert directives.get("connect-src") == "'self'"
        assert directives.get("object-src") == "'none'"
        assert directives.get("frame-ancestors") == "'none'"
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert page.headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize(("mode", "front_door"), RUNS, scope="module")
def test_the_client_origin_answers_what_it_cannot_serve(
    mode: str, front_door: str, shared_system: Callable[..., Any]
) -> None:
    """A method the file server does not take is refused with 405, the same in both modes,
    and never becomes a server error."""
    system = shared_system(mode, MYTHOS_FRONT_DOOR=front_door)
    for path in ("/", "/some/client/route"):
        refused = httpx.post(system.url + path, content=b"x", timeout=10)
        assert refused.status_code == 405, (path, refused.status_code, refused.text[:200])
