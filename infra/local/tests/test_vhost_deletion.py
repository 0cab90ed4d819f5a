"""A run's vhost and its services' users deleted on the real broker (``delete_vhost``)."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import uuid
from pathlib import Path

import pytest
from mythos_contracts.bus.access import SERVICE_ACCESS
from mythos_local.provisioning import delete_vhost, ensure_service_users

ADMIN_URL = "amqp://guest:guest@127.0.0.1:5672/"


async def _listed(what: str) -> list[str]:
    """The first column of ``rabbitmqctl -q <what>`` (names of vhosts or users)."""
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", what, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return [line.split("\t")[0] for line in out.decode().splitlines()]


def _counting_rabbitmqctl(folder: Path, calls: Path) -> Path:
    """A ``rabbitmqctl`` that notes each call in ``calls``, then runs the real one."""
    real = shutil.which("rabbitmqctl")
    assert real is not None
    folder.mkdir()
    script = folder / "rabbitmqctl"
    script.write_text(
        f'#!/bin/sh\necho "$*" >> {shlex.quote(str(calls))}\nexec {shlex.quote(real)} "$@"\n'
    )
    script.chmod(0o755)
    return folder


async def test_the_vhost_and_its_users_go_in_one_rabbitmqctl_call(
    rabbitmq: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vhost = f"mythos_test_{uuid.uuid4().hex[:12]}"
    await ensure_service_users(ADMIN_URL, vhost, tmp_path / "data")
    users = {access.username(vhost) for access in SERVICE_ACCESS.values()}
    assert vhost in await _listed("list_vhosts") and users <= set(await _listed("list_users"))

    calls = tmp_path / "calls"
    spy = _counting_rabbitmqctl(tmp_path / "bin", calls)
    monkeypatch.setenv("PATH", f"{spy}{os.pathsep}{os.environ['PATH']}")
    await delete_vhost(vhost)
    assert len(calls.read_text().splitlines()) == 1, "each rabbitmqctl boots an Erlang VM"
    assert vhost not in await _listed("list_vhosts")
    assert not users & set(await _listed("list_users"))


async def test_deleting_what_is_already_gone_is_no_error(rabbitmq: None) -> None:
    vhost = f"mythos_test_{uuid.uuid4().hex[:12]}"
    await delete_vhost(vhost)
    assert vhost not in await _listed("list_vhosts")
