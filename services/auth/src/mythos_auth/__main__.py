"""Run the auth service: ``mythos-auth`` or ``python -m mythos_auth``."""

from __future__ import annotations

import logging

import uvicorn

from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import AuthSettings


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = AuthSettings()
    # log_config=None: uvicorn's loggers propagate to the root handler configured above.
    # uvicorn installs SIGINT/SIGTERM handlers and shuts down gracefully, lifespan included.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
