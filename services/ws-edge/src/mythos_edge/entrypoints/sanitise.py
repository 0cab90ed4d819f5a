"""Cleans the text players send by what it *is*, never by blacklisting punctuation.

Removed from every string of a command (name, arguments, command id):

- terminal escape sequences, whole: CSI (``ESC [`` ... or 8-bit ``0x9b``), OSC, DCS,
  SOS, PM and APC strings (up to their terminator, or the end of the text), and the
  short ``ESC <intermediates> <final>`` forms (charset switches, resets...);
- every other control character (Unicode category Cc: C0, DEL, C1); tab, line and
  page breaks (and U+2028, U+2029) become a space, so a pasted paragraph stays readable;
- bidirectional controls, which make a line display in a different order from the one
  it was written in: embeddings, overrides and isolates (U+202A-E, U+2066-9) and the
  marks (U+200E LRM, U+200F RLM, U+061C ALM);
- invisible characters that make two lines look the same while they differ (filter
  evasion, impersonation): U+200B zero-width space, U+2060 word joiner, U+2061-4
  invisible operators, U+FEFF zero-width no-break space, U+180E Mongolian vowel
  separator, U+00AD soft hyphen; and the zero-width joiner and non-joiner (U+200D,
  U+200C) next to an ASCII character or at either end (between two other characters
  they are kept: emoji sequences like 🧙‍♂️ and Persian or Indic text need them);
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
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]")
_INVISIBLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)
# Joiners do nothing next to ASCII (Latin letters never join): there they only hide. A
# run of them goes or stays whole (so cleaning twice changes nothing), and is matched
# from its start only (linear, however long).
_STRAY_JOINERS = re.compile(
    r"(?:\A|(?<=[\x00-\x7f]))[\u200c\u200d]++"
    r"|(?<![\u200c\u200d])[\u200c\u200d]++(?=[\x00-\x7f]|\Z)"
)


def clean_text(text: str) -> str:
    """``text`` without escape sequences, control characters, bidi controls, invisible
    characters or surrogates."""
    if text.isprintable():  # the common case: nothing to do (printable excludes all of them)
        return text
    text = _ESCAPE_SEQUENCES.sub("", text)
    text = _WHITESPACE_CONTROLS.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    return _STRAY_JOINERS.sub("", text)  # last: on the neighbours the text ends with


def clean_command(command: ClientCommand) -> ClientCommand:
    return command.model_copy(
        update={
            "command": clean_text(command.command),
            "args": [clean_text(arg) for arg in command.args],
            "command_id": None if command.command_id is None else clean_text(command.command_id),
        }
    )
