"""Run the auth service: ``mythos-auth`` or ``python -m mythos_auth``."""

from __future__ import annotations

import logging
import sys

import uvicorn

from mythos_auth.entrypoints.api import UnsafeConfiguration, check_startup_settings, create_app
from mythos_auth.settings import AuthSettings

log = logging.getLogger("mythos_auth")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = AuthSettings()
    try:
        # Also checked in the lifespan; here it fails fast with one readable line.
        check_startup_settings(settings)
    except UnsafeConfiguration as exc:
        log.error("%s", exc)
        sys.exit(2)
    # log_config=None: uvicorn's loggers propagate to the root handler configured above.
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
