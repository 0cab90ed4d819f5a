"""What ``make run`` prints: readable lines on a terminal, JSON when asked or when the
output is a file (as the black-box tests and log tools read it)."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from mythos_local.settings import LocalSettings

REPO = Path(__file__).resolve().parents[3]


class Terminal:
    def isatty(self) -> bool:
        return True


def test_auto_is_text_on_a_terminal_and_json_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MYTHOS_LOG_FORMAT", raising=False)
    assert LocalSettings().log_format == "json"  # pytest captures stdout: not a terminal
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert LocalSettings().log_format == "text"


def test_an_explicit_format_wins_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setenv("MYTHOS_LOG_FORMAT", "JSON")
    assert LocalSettings().log_format == "json"
    monkeypatch.setenv("MYTHOS_LOG_FORMAT", "text")
    assert LocalSettings().log_format == "text"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_embedded_on_a_terminal(tmp_path: Path, **env: str) -> str:
    """Start the launcher (embedded mode) with a pseudo-terminal as its stdout, as a person
    runs ``make run``; stop it with SIGINT once it announced itself; return all it printed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "mythos_local"],
        cwd=REPO,
        env={
            **os.environ,
            "MYTHOS_MODE": "embedded",
            "MYTHOS_PORT": str(_free_port()),
            "MYTHOS_DATA_DIR": str(tmp_path / uuid.uuid4().hex),
            "TERM": "xterm",
            **env,
        },
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 90
    stopping = False
    try:
        while True:
            if not stopping and (b"Ctrl-C stops it" in output or time.monotonic() > deadline):
                process.send_signal(signal.SIGINT)
                stopping = True
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the terminal closed: every writer has exited
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    return output.decode(errors="replace").replace("\r\n", "\n")


def test_on_a_terminal_each_line_is_readable_and_the_url_is_boxed_last(tmp_path: Path) -> None:
    output = run_embedded_on_a_terminal(tmp_path, MYTHOS_LOG_FORMAT="auto", NO_COLOR="1")
    lines = output.splitlines()
    running = next(i for i, line in enumerate(lines) if "Mythos is running" in line)
    logged = [line for line in lines[:running] if " | " in line]
    assert any(line.startswith("game        | ") for line in logged), output
    assert any(line.startswith("persistence | ") for line in logged), output
    assert not any(line.lstrip().startswith("{") for line in lines), output
    assert not any("GET /" in line for line in lines), output  # no access lines at INFO
    # The box: its top just above, "Ctrl-C stops it" and its bottom just below.
    assert lines[running - 1].startswith("╭") and lines[running + 1].startswith("│  Ctrl-C")
    assert lines[running + 2].startswith("╰")


def test_json_when_asked_even_on_a_terminal(tmp_path: Path) -> None:
    output = run_embedded_on_a_terminal(tmp_path, MYTHOS_LOG_FORMAT="json")
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert {"ts", "level", "service", "logger", "msg"} <= set(records[0]), output
    assert any("world loaded" in r["msg"] for r in records), output
    assert " | " not in output
