"""What the tests of a fast reading (a msgspec mirror of an edge message's model) share:
the model's own reading, and the two verdicts every such reading must match."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mythos_contracts.envelope import EDGE_MESSAGE, EdgeMessage
from pydantic import ValidationError


def model_or_none(body: bytes) -> EdgeMessage | None:
    """``body`` as the model reads it (as the game reads anything its mirrors leave)."""
    try:
        return EDGE_MESSAGE.validate_json(body)
    except ValidationError:
        return None


def refused_by_both(body: bytes, fast: Callable[[bytes], object | None]) -> None:
    """The fast reading refuses ``body``, and so does the model."""
    assert fast(body) is None
    with pytest.raises(ValidationError):
        EDGE_MESSAGE.validate_json(body)


def left_to_the_model(body: bytes, check: Callable[[bytes], bool]) -> None:
    """The fast reading leaves ``body`` (``check``: the test's own, True if it took it) to
    the model, which takes it."""
    assert not check(body)
    assert model_or_none(body) is not None
