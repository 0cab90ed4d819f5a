"""What the Kubernetes tests share: each overlay rendered once per run, and the Secrets
the operations doc says ops create."""

from __future__ import annotations

from typing import Any

import k8s_support as k8s
import pytest


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {overlay: k8s.render(k8s.K8S_DIR / "overlays" / overlay) for overlay in k8s.OVERLAYS}


@pytest.fixture(scope="session")
def documented() -> set[tuple[str, str]]:
    return k8s.documented_secrets()
