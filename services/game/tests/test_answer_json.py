"""The game's answer writer holds to the contract's model: the same bytes as
``CommandResponseData``'s JSON, whatever the strings hold."""

from __future__ import annotations

import pytest
from mythos_contracts.envelope_json import payload_json
from mythos_contracts.events import CommandResponseData
from mythos_game.service_layer.answer_json import command_response_json

# Every character a JSON string may carry (the surrogates are no text: neither writer
# takes them), in chunks, with the ones that need escaping among them.
_CHARACTERS = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
_TEXTS = ["".join(_CHARACTERS[start : start + 4096]) for start in range(0, len(_CHARACTERS), 4096)]


@pytest.mark.parametrize(
    ("command", "command_id", "success", "result"),
    [
        ("say", "c-1", True, "You say: the stars are right tonight"),
        ("'hello", None, False, "Unknown command 'x'. Type \"help\" for the list."),
        ("look", "", True, "Line one\nline two\t\\ \u2028 \u00e9 \u2736 \U0001d504"),
        ("", "\x00\x1f\x7f", False, ""),
    ],
)
def test_an_answer_is_written_as_the_model_writes_it(
    command: str, command_id: str | None, success: bool, result: str
) -> None:
    model = CommandResponseData(
        command=command, command_id=command_id, success=success, result=result
    )
    assert command_response_json(command, command_id, success, result) == payload_json(model)


def test_every_character_is_written_as_the_model_writes_it() -> None:
    for text in _TEXTS:
        model = CommandResponseData(command=text, command_id=text, success=True, result=text)
        assert command_response_json(text, text, True, text) == payload_json(model)
