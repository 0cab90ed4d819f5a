"""Run the auth service: ``mythos-auth`` or ``python -m mythos_auth``."""

from __future__ import annotations

import logging
import sys

import uvicorn
from mythos_contracts.ops.log_lines import configure_logging
from pydantic import ValidationError

from mythos_auth.entrypoints.api import UnsafeConfiguration, check_startup_settings, create_app
from mythos_auth.entrypoints.observability import SERVICE
from mythos_auth.settings import AuthSettings

log = logging.getLogger("mythos_auth")


def main() -> None:
    try:
        settings = AuthSettings()
    except ValidationError as exc:
        # Only the reasons: the input may hold credentials (the database URL).
        sys.exit("auth: bad settings: " + "; ".join(e["msg"] for e in exc.errors()))
    configure_logging(SERVICE, level=settings.log_level, fmt=settings.log_format)
    try:
        # Also checked in the lifespan; here it fails fast with one readable line.
        check_startup_settings(settings)
    except UnsafeConfiguration as exc:
        log.error("%s", exc)
        sys.exit(2)
    # log_config=None: uvicorn's loggers propagate to configure_logging's root handler.
    # uvicorn installs SIGINT/SIGTERM handlers and shuts down gracefully, lifespan included.
    # proxy_headers=False: the client address is the app's business (AUTH_TRUST_FORWARDED_FOR
    # and AUTH_TRUSTED_PROXIES), so uvicorn must not rewrite it first.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
