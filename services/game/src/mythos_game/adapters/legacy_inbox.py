"""The single game's inbox from before inboxes were named by shard (``mythos.game.commands``).

Its binding (``command.#``) still matches every command key, so on a broker upgraded
from that release it would go on collecting a copy of every command, unread. A starting
game deletes it when that loses nothing, and otherwise names it in a warning
(docs/operations.md, "Upgrading to per-shard inboxes").
"""

from __future__ import annotations

import logging

from mythos_contracts.bus.amqp_retire import delete_if_idle
from mythos_contracts.routing import LEGACY_GAME_COMMANDS_QUEUE

log = logging.getLogger(__name__)


async def retire_legacy_inbox(amqp_url: str) -> None:
    """Delete ``mythos.game.commands`` if it exists, is empty and unused; warn otherwise."""
    kept = await delete_if_idle(amqp_url, LEGACY_GAME_COMMANDS_QUEUE)
    if kept is None:
        return
    log.warning(
        "the legacy inbox %s is still there (%d message(s), %d consumer(s)) and receives "
        "a copy of every command: nothing reads it any more; once no game of the older "
        "release runs, delete it (docs/operations.md, upgrading to per-shard inboxes)",
        LEGACY_GAME_COMMANDS_QUEUE,
        kept.messages,
        kept.consumers,
    )
