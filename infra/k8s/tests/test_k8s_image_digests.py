"""Production runs images pinned by digest: every container image of the rendered prod
overlay ends in @sha256:<64 hex>, set through the overlay's ``images:`` digests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import k8s_support as k8s
import yaml

PINNED = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")


def unpinned_images(overlay: Path) -> list[str]:
    return sorted(
        {
            container["image"]
            for _, container in k8s.iter_containers(k8s.render(overlay))
            if not PINNED.match(container["image"])
        }
    )


def test_every_prod_image_is_pinned_by_digest() -> None:
    overlay = k8s.K8S_DIR / "overlays" / "prod"
    assert unpinned_images(overlay) == []
    images = list(k8s.iter_containers(k8s.render(overlay)))
    assert images, "no containers rendered"


def test_an_image_without_a_digest_is_caught(tmp_path: Path) -> None:
    tree = tmp_path / "k8s"
    shutil.copytree(k8s.K8S_DIR, tree, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    kustomization = tree / "overlays" / "prod" / "kustomization.yaml"
    data = yaml.safe_load(kustomization.read_text())
    for image in data["images"]:
        if image["name"].endswith("mythos-game"):
            del image["digest"]
    kustomization.write_text(yaml.safe_dump(data))
    assert unpinned_images(tree / "overlays" / "prod") == ["ghcr.io/mythos/mythos-game:0.1.0"]
