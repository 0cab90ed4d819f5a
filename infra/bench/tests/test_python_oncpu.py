"""A service's on-CPU profile, read back from its folded stacks."""

from __future__ import annotations

import pytest
from mythos_bench.python_oncpu import summary

FOLDED = """\
run (runners.py);handle (dispatcher.py);publish (event_publisher.py) 6
run (runners.py);handle (dispatcher.py) 2
run (runners.py);read (amqp_reader.py) 2
"""


def test_functions_by_their_share_on_the_stack_and_running() -> None:
    profile = summary(FOLDED.splitlines())
    assert profile["samples"] == 10
    inclusive = dict(profile["inclusive"])
    assert inclusive["run (runners.py)"] == 1.0
    assert inclusive["handle (dispatcher.py)"] == pytest.approx(0.8)
    own = dict(profile["self"])
    assert own["publish (event_publisher.py)"] == pytest.approx(0.6)
    assert "run (runners.py)" not in own
    assert profile["self"][0][0] == "publish (event_publisher.py)"  # largest first


def test_an_empty_profile() -> None:
    assert summary(["", "not a line"]) == {"samples": 0, "inclusive": [], "self": []}
