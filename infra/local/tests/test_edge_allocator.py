"""The edge runs on the same allocator under ``make run`` as in its image, so what the
benchmarks measure locally is what production gets (docs/operations.md, PYTHONMALLOC)."""

from __future__ import annotations

import re

from mythos_local.settings import REPO_ROOT, LocalSettings


def test_the_launchers_edge_allocator_is_the_one_its_image_sets() -> None:
    default = LocalSettings.model_fields["mythos_edge_pythonmalloc"].default
    dockerfile = (REPO_ROOT / "services" / "ws-edge" / "Dockerfile").read_text()
    set_there = re.findall(r"^\s*PYTHONMALLOC=(\w+)", dockerfile, re.MULTILINE)
    assert set_there == [default]
