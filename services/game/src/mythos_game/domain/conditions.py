"""What a character's state allows: one check before every command.

A command declares the states it may run in (``CommandSpec.allowed_when``); a character
in a state the command does not allow is refused with that state's text. Admin commands
are exempt, so an admin can always repair state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mythos_game.domain.characters import Character

State = Literal["fighting", "bleeding", "dead", "catatonic"]

FIGHTING: State = "fighting"
BLEEDING: State = "bleeding"
DEAD: State = "dead"
CATATONIC: State = "catatonic"

ANY_STATE: tuple[State, ...] = (FIGHTING, BLEEDING, DEAD, CATATONIC)
"""Every state, in the order they are named in help."""

# The order states are checked in: the first one that refuses gives the text.
_CHECK_ORDER: tuple[State, ...] = (DEAD, BLEEDING, CATATONIC, FIGHTING)

REFUSALS: dict[State, str] = {
    BLEEDING: "You are bleeding and can barely move. Someone must 'aid' you.",
    DEAD: "You are dead. Type 'respawn' to return to the living.",
    CATATONIC: "Your body will not answer you. Someone must 'ground' you.",
}
"""The refusal in each state (fighting's is the command's own ``fighting_refusal``)."""

# The allow-lists, by command: which states each command may run in.
OUT_OF_CHARACTER: frozenset[State] = frozenset(ANY_STATE)
"""help, who, whoami, status, quit, characters, roll, professions: allowed always."""
LOOKING: frozenset[State] = frozenset({FIGHTING, BLEEDING, DEAD})
"""look: not while catatonic."""
SPEAKING: frozenset[State] = frozenset({FIGHTING, BLEEDING})
"""say, emote, whisper, reply, local, global: a bleeding character can still speak."""
FOR_THE_DEAD: frozenset[State] = frozenset({FIGHTING, DEAD})
"""create, chardelete (and respawn): the dead may manage their characters."""
AT_PEACE: frozenset[State] = frozenset()
"""Only when healthy, lucid enough and not fighting (go, play)."""


def states_of(character: Character) -> list[State]:
    """The states ``character`` is in, in check order."""
    present = {
        DEAD: character.condition == "dead",
        BLEEDING: character.condition == "bleeding",
        CATATONIC: character.tier == "catatonic",
        FIGHTING: character.in_combat,
    }
    return [state for state in _CHECK_ORDER if present[state]]


def refusal(
    character: Character, allowed_when: frozenset[State], fighting_refusal: str
) -> str | None:
    """Why a command allowed in ``allowed_when`` cannot run now, or None when it can."""
    for state in states_of(character):
        if state not in allowed_when:
            return fighting_refusal if state == FIGHTING else REFUSALS[state]
    return None
