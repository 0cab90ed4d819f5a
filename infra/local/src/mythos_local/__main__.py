"""``make run``: start the whole system and print the one URL to open.

Distributed mode when RabbitMQ and PostgreSQL answer, embedded mode otherwise;
``MYTHOS_MODE=embedded|distributed`` forces one.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from mythos_local.provisioning import amqp_problem, postgres_problem
from mythos_local.settings import LocalSettings
from mythos_local.supervisor import StartupFailed

log = logging.getLogger("mythos.local")


async def choose_mode(settings: LocalSettings) -> tuple[str, str]:
    if settings.mythos_mode == "embedded":
        return "embedded", "MYTHOS_MODE=embedded"
    problems = [
        p
        for p in await asyncio.gather(
            amqp_problem(settings.amqp_url), postgres_problem(settings.database_url)
        )
        if p
    ]
    if settings.mythos_mode == "distributed":
        if problems:
            raise SystemExit("MYTHOS_MODE=distributed, but " + "; ".join(problems))
        return "distributed", "MYTHOS_MODE=distributed"
    if problems:
        return "embedded", "; ".join(problems)
    return "distributed", "RabbitMQ and PostgreSQL both answered"


async def run(settings: LocalSettings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    mode, reason = await choose_mode(settings)
    print(f"Mode: {mode} ({reason})", flush=True)
    if mode == "distributed":
        from mythos_local.distributed import run_distributed

        return await run_distributed(settings, stop)
    if settings.mythos_games > 1:
        raise StartupFailed(
            f"MYTHOS_GAMES={settings.mythos_games} needs the distributed mode (RabbitMQ and "
            "PostgreSQL): the embedded mode runs one game"
        )
    from mythos_local.embedded import run_embedded

    return await run_embedded(settings, stop)


def main() -> None:
    settings = LocalSettings()
    # In text mode each mode's runner sends these lines to its console instead.
    logging.basicConfig(
        level=settings.mythos_log_level, format="%(asctime)s %(name)s %(levelname)s: %(message)s"
    )
    # One line per health poll while services start, and one per plugin alembic loads when
    # embedded mode imports it, are noise; their failures are reported anyway.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        sys.exit(asyncio.run(run(settings)))
    except StartupFailed as exc:  # one readable line, not a traceback
        sys.exit(f"mythos: {exc}")


if __name__ == "__main__":
    main()
