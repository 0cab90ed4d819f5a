"""The terminal view of ``make run``: one readable line per event under an aligned name."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re

from mythos_local.console import Console, ConsoleHandler, service_of

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    """What a terminal would show; says it is one."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


def service_line(**fields: object) -> str:
    record = {
        "ts": "2026-01-01T12:34:56.789+00:00",
        "level": "info",
        "service": "game",
        "logger": "mythos_game.bootstrap",
        "msg": "world loaded: 61 rooms",
        **fields,
    }
    return json.dumps(record)


def test_a_json_record_becomes_one_readable_line_under_an_aligned_name() -> None:
    out = io.StringIO()
    console = Console(["auth", "persistence"], stream=out, colour=False)
    console.write("auth", console.render_raw(service_line(command_id="c-1")) or "")
    console.write("persistence", console.render_raw(service_line(msg="saved")) or "")
    first, second = out.getvalue().splitlines()
    assert re.fullmatch(r"auth {8}\| \d\d:\d\d:\d\d world loaded: 61 rooms command_id=c-1", first)
    assert second.startswith("persistence | ") and second.endswith(" saved")
    assert "{" not in out.getvalue() and '"' not in out.getvalue()
    assert first.index("|") == second.index("|")


def test_levels_above_info_say_so_with_the_logger() -> None:
    console = Console([], colour=False)
    line = console.render_raw(service_line(level="warning", msg="slow consumer"))
    assert line is not None and re.fullmatch(
        r"\d\d:\d\d:\d\d WARNING mythos_game.bootstrap: slow consumer", line
    )


def test_a_traceback_follows_on_lines_of_its_own_each_prefixed() -> None:
    out = io.StringIO()
    console = Console(["game"], stream=out, colour=False)
    text = console.render_raw(
        service_line(level="error", msg="boom", exc="Traceback (most recent call last):\n  x")
    )
    console.write("game", text or "")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("game   | ") for line in lines)
    assert lines[0].endswith("ERROR mythos_game.bootstrap: boom")


def test_access_lines_and_start_boilerplate_only_at_debug() -> None:
    access = service_line(logger="uvicorn.access", msg='127.0.0.1 - "GET /healthz" 200')
    boilerplate = service_line(logger="uvicorn.error", msg="Waiting for application startup.")
    assert Console([], colour=False).render_raw(access) is None
    assert Console([], colour=False).render_raw(boilerplate) is None
    debug = Console([], colour=False, level=logging.DEBUG)
    assert "GET /healthz" in (debug.render_raw(access) or "")
    assert "application startup" in (debug.render_raw(boilerplate) or "")


def test_a_childs_threshold_hides_its_info_lines_but_not_its_errors() -> None:
    console = Console(["caddy"], colour=False)
    caddy_info = json.dumps({"level": "info", "ts": 1.7e9, "msg": "serving initial configuration"})
    caddy_error = json.dumps({"level": "error", "ts": 1.7e9, "logger": "http", "msg": "no port"})
    assert console.render_raw(caddy_info, threshold=logging.ERROR) is None
    assert "ERROR http: no port" in (console.render_raw(caddy_error, threshold=logging.ERROR) or "")


def test_lines_that_are_not_json_records_pass_through_as_they_are() -> None:
    console = Console([], colour=False)
    assert console.render_raw("game: bad settings: x") == "game: bad settings: x"
    assert console.render_raw("{not json") == "{not json"


def test_colour_only_on_a_terminal() -> None:
    terminal, file = Terminal(), io.StringIO()
    Console(["auth"], stream=terminal).write("auth", "hello")
    Console(["auth"], stream=file).write("auth", "hello")
    assert "\x1b[" in terminal.getvalue()
    assert "\x1b[" not in file.getvalue()
    assert ANSI.sub("", terminal.getvalue()) == file.getvalue()


def test_the_box_frames_every_line_at_one_width() -> None:
    console = Console([], stream=Terminal(), colour=True)
    lines = ["Mythos is running (embedded mode). Open http://127.0.0.1:54731", "Ctrl-C stops it."]
    box = ANSI.sub("", console.box(lines)).splitlines()
    assert len(box) == 4
    assert len({len(row) for row in box}) == 1
    assert "Mythos is running (embedded mode). Open http://127.0.0.1:54731" in box[1]
    assert box[0].startswith("╭") and box[-1].endswith("╯")


def test_the_box_falls_back_to_ascii_where_the_terminal_is_not_utf8() -> None:
    class Latin1(io.StringIO):
        encoding = "latin-1"

    box = Console([], stream=Latin1(), colour=False).box(["Mythos is running"])
    assert box.splitlines()[0] == "+" + "-" * len("  Mythos is running  ") + "+"


def test_records_of_the_launcher_process_are_redacted_and_named_by_their_package() -> None:
    out = io.StringIO()
    console = Console(["auth", "edge"], stream=out, colour=False)
    handler = ConsoleHandler(console, service_of)
    logger = logging.getLogger("mythos_edge.test_console")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("connect /api/ws?token=abc.def.ghi")
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().startswith("edge   | ")
    assert "abc.def.ghi" not in out.getvalue() and "token=[redacted]" in out.getvalue()


async def test_relay_copies_a_childs_lines_until_it_closes() -> None:
    out = io.StringIO()
    console = Console(["game"], stream=out, colour=False)
    reader = asyncio.StreamReader()
    reader.feed_data((service_line(msg="one") + "\nplain text\n").encode())
    reader.feed_data(service_line(logger="uvicorn.access", msg="GET /").encode() + b"\n")
    reader.feed_eof()
    await console.relay("game", reader)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # the access line is left out
    assert re.fullmatch(r"game {3}\| \d\d:\d\d:\d\d one", lines[0])
    assert lines[1] == "game   | plain text"


def test_control_characters_from_a_log_line_never_reach_the_terminal() -> None:
    console = Console([], colour=True)
    line = console.render_raw(service_line(msg="hi \x1b[2J\x9b1m there", name="\x07bell"))
    assert line is not None
    assert "\x1b[2J" not in line and "\x9b" not in line and "\x07" not in line
    assert "hi \\x1b[2J\\x9b1m there" in line and "\\x07bell" in line
    assert line.startswith("\x1b[2m")  # the console's own colours stay
    assert console.render_raw("plain \x1b]0;title\x07") == "plain \\x1b]0;title\\x07"
