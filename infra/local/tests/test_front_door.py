"""The two front doors route the same paths to the same places (the black-box tests run
both: tests/test_client_security_headers.py, tests/test_delivery_guarantees.py); here,
the generated nginx configuration itself, checked by nginx."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mythos_local.front_door import front_door, nginx_binary, nginx_conf
from mythos_local.settings import LocalSettings
from mythos_local.supervisor import StartupFailed


def _settings(tmp_path: Path, front: str, edges: int = 3) -> LocalSettings:
    return LocalSettings(
        mythos_front_door=front,  # type: ignore[arg-type]
        mythos_edges=edges,
        mythos_port=50000,
        mythos_internal_port_base=50001,
        mythos_data_dir=tmp_path,
        mythos_client_dist=tmp_path / "dist",
    )


def test_nginx_sends_api_to_every_edge_and_auth_paths_to_auth(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "nginx")
    conf = nginx_conf(settings, tmp_path)
    for index in range(3):
        assert f"server 127.0.0.1:{settings.port('edge', index)} max_fails=1" in conf
    assert f"server 127.0.0.1:{settings.port('auth')};" in conf
    assert "location /auth/ { proxy_pass http://mythos_auth; }" in conf
    assert "location /docs { proxy_pass http://mythos_auth; }" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert f"listen 127.0.0.1:{settings.mythos_port};" in conf


def test_nginx_accepts_the_generated_configuration(tmp_path: Path) -> None:
    try:
        nginx = nginx_binary()
    except StartupFailed:
        pytest.fail("nginx is missing: 'make test-tools' installs Debian's nginx-light")
    child = front_door(_settings(tmp_path, "nginx"), tmp_path)
    assert child.name == "nginx" and child.argv[0] == nginx
    checked = subprocess.run(
        [*child.argv, "-t"], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_caddy_stays_the_default(tmp_path: Path) -> None:
    child = front_door(_settings(tmp_path, "caddy"), tmp_path)
    assert child.name == "caddy"
    assert (tmp_path / "Caddyfile.50000").read_text().count("reverse_proxy") == 3
