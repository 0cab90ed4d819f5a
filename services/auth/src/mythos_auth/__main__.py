"""Run the auth service: ``mythos-auth`` or ``python -m mythos_auth``.

The contract's lifecycle runs it (``mythos_contracts.runtime``). Unsafe production
settings are refused as they are read, before anything is touched: one log line, exit
status 2; so is a missing or world-readable signing key, found as it starts. On SIGTERM
the requests in flight finish (within ``AUTH_SHUTDOWN_GRACE_SECONDS``) before it closes.
"""

from __future__ import annotations

from mythos_contracts.runtime import Plan, Served, run_service

from mythos_auth.adapters.signing_keys import KeyConfigurationError
from mythos_auth.entrypoints.api import auth_service, create_app
from mythos_auth.entrypoints.observability import SERVICE
from mythos_auth.settings import AuthSettings


def assemble(settings: AuthSettings) -> Plan:
    app = create_app(settings)
    return Plan(
        service=auth_service(app),
        served=Served(
            app,
            settings.host,
            settings.port,
            uvicorn_options={
                "lifespan": "off",  # the lifecycle starts and stops the service itself
                # The client address is the app's business (AUTH_TRUST_FORWARDED_FOR and
                # AUTH_TRUSTED_PROXIES), so uvicorn must not rewrite it first.
                "proxy_headers": False,
                "log_level": None,  # access lines at the level the settings give the root
                "access_log": True,
                "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
            },
        ),
        # No bus here: auth's revocation relay connects it in the background, so that
        # a login never waits for the broker.
    )


def main() -> None:
    # A missing or world-readable signing key is found as the service starts: refused the
    # same way as unsafe settings.
    run_service(SERVICE, AuthSettings, assemble, cannot_start=(KeyConfigurationError,))


if __name__ == "__main__":
    main()
