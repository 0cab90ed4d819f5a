"""The chat history keeps what the speaker's mind did to a line (§8.6: history lines are
stored with sender effects only): saved with the line, shown again at login, and read
back from storage after a restart."""

from __future__ import annotations

from datetime import UTC, datetime

from mythos_contracts.events import ChatMessageData
from mythos_contracts.persistence import GLOBAL_SCOPE, ChatLine
from mythos_game.domain.commands.base import HistoryLine
from mythos_game.domain.roster import Player
from mythos_game.service_layer.chat_history import ChatHistory

T0 = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
GLYPHED = "the stars are right \u2736"


class Store:
    """The persistence service as the history sees it: lines saved, lines to load."""

    def __init__(self, stored: list[ChatLine] | None = None) -> None:
        self.saved: list[ChatLine] = []
        self.stored = stored or []

    async def load_chat_history(self, limit: int, timeout: float) -> list[ChatLine]:
        return self.stored[-limit:]

    async def save_chat_line(self, line: ChatLine) -> None:
        self.saved.append(line)


def history(store: Store) -> ChatHistory:
    return ChatHistory(store, subzone_of=lambda room_id: "the-square", now=lambda: T0)


def reader() -> Player:
    return Player("bob", "Bob", "independence-square", 1)


def shown(chat: ChatHistory) -> list[ChatMessageData]:
    return [out.data for out in chat.welcome(reader())]  # type: ignore[misc]


async def test_a_glyphed_line_is_saved_and_shown_with_its_distortion() -> None:
    store = Store()
    chat = history(store)
    await chat.load()
    said = ChatMessageData(
        channel="global",
        player_id="ada",
        player_name="Ada",
        message=GLYPHED,
        text=f"[global] Ada: {GLYPHED}",
        distortion=["glyph"],
    )
    await chat.record(HistoryLine(GLOBAL_SCOPE, said))
    (saved,) = store.saved
    assert (saved.message, saved.distortion) == (GLYPHED, ["glyph"])
    (line,) = shown(chat)
    assert (line.message, line.history, line.distortion) == (GLYPHED, True, ["glyph"])


async def test_stored_lines_come_back_with_their_distortion_after_a_restart() -> None:
    kept = ChatLine(
        line_id="x1",
        scope="the-square",
        channel="local",
        player_id="ada",
        player_name="Ada",
        message=GLYPHED,
        text=f"[local] Ada: {GLYPHED}",
        sent_at=T0,
        distortion=["glyph"],
    )
    plain = kept.model_copy(update={"line_id": "x2", "message": "hi", "distortion": []})
    chat = history(Store([kept, plain]))
    assert await chat.load()
    assert [(d.message, d.distortion) for d in shown(chat)] == [
        (GLYPHED, ["glyph"]),
        ("hi", []),
    ]
