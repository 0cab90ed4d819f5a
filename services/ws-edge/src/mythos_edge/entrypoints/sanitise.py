"""Cleans the text players send by what it *is*, never by blacklisting punctuation.

Removed from every string of a command (name, arguments, command id):

- terminal escape sequences, whole: CSI (``ESC [`` ... or 8-bit ``0x9b``), OSC, DCS,
  SOS, PM and APC strings (up to their terminator, or the end of the text), and the
  short ``ESC <intermediates> <final>`` forms (charset switches, resets...);
- every other control character (Unicode category Cc: C0, DEL, C1); tab, line and
  page breaks become a space, so a pasted paragraph stays readable;
- bidirectional embedding, override and isolate controls (U+202A-E, U+2066-9), which
  make a line display in a different order from the one it was written in;
- lone surrogates (not text at all; JSON escapes can produce them).

Everything else, ``; | < > ' " & ../`` included, is relayed unchanged: it is data, and
whoever renders it (the web client, a terminal client) escapes it for its own medium.
"""

from __future__ import annotations

import re

from mythos_contracts.envelope import ClientCommand

_ESCAPE_SEQUENCES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?            # CSI
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?  # strings
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                                  # short forms
    """,
    re.VERBOSE,
)
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\v\f\r\x85]")
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without escape sequences, control characters, bidi controls or surrogates."""
    if text.isprintable():  # the common case: nothing to do (printable excludes all of them)
        return text
    text = _ESCAPE_SEQUENCES.sub("", text)
    text = _WHITESPACE_CONTROLS.sub(" ", text)
    return _INVISIBLE.sub("", text)


def clean_command(command: ClientCommand) -> ClientCommand:
    return command.model_copy(
        update={
            "command": clean_text(command.command),
            "args": [clean_text(arg) for arg in command.args],
            "command_id": None if command.command_id is None else clean_text(command.command_id),
        }
    )
