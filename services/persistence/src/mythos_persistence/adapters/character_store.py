"""The characters table behind the ``CharacterStore`` port (PostgreSQL or SQLite)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from mythos_contracts.persistence import CharacterName, CharacterRecord, CharacterStateChanged
from sqlalchemy.exc import IntegrityError

from mythos_persistence.adapters.sql_store import SqlStore, insert_for
from mythos_persistence.adapters.tables import characters, items

log = logging.getLogger(__name__)

_ACTIVE = characters.c.deleted_at.is_(None)
NAME_MAX = 20
"""A character name's longest (``[A-Za-z][A-Za-z0-9_]{2,19}``); a renamed one keeps to it."""
_RENAME_ATTEMPTS = 3


class SqlCharacterStore(SqlStore):
    """Reads and versioned upserts of the ``characters`` table."""

    async def for_account(self, account_id: str) -> list[CharacterRecord]:
        async def query() -> list[CharacterRecord]:
            statement = (
                sa.select(characters)
                .where(characters.c.account_id == account_id, _ACTIVE)
                .order_by(characters.c.created_at, characters.c.character_id)
            )
            async with self._engine.connect() as connection:
                rows = (await connection.execute(statement)).all()
            return [_record(row._mapping) for row in rows]

        return await self._read("load_characters", query)

    async def active_names(self) -> list[CharacterName]:
        async def query() -> list[CharacterName]:
            statement = sa.select(
                characters.c.character_id, characters.c.account_id, characters.c.name
            ).where(_ACTIVE)
            async with self._engine.connect() as connection:
                rows = (await connection.execute(statement)).all()
            return [
                CharacterName(character_id=cid, account_id=aid, name=name)
                for cid, aid, name in rows
            ]

        return await self._read("character_names", query)

    async def save_if_newer(self, change: CharacterStateChanged) -> bool:
        async def upsert(change: CharacterStateChanged) -> bool:
            for _ in range(_RENAME_ATTEMPTS):
                try:
                    return await self._apply(change)
                except IntegrityError:
                    free = await self._free_name(change)
                    if free is None:
                        raise  # not the name: a change the database refuses
                # Another character took the name first. Only a crash window does this
                # (the game checks names in memory, but a restarted game's name load may
                # overtake a queued create): both characters are kept, the later one
                # under the first free ``{name}{n}``, as the 0005 backfill does. The
                # same free name comes back for each later save of it (its own row
                # does not count), so it keeps it.
                log.warning(
                    "character %s: the name %r is taken; kept as %r",
                    change.character_id,
                    change.name,
                    free,
                )
                change = change.model_copy(update={"name": free})
            return await self._apply(change)

        return await self._write("save_character", lambda: upsert(change))

    async def _free_name(self, change: CharacterStateChanged) -> str | None:
        """The first ``{name}{n}`` no other active character holds (case-insensitively);
        None when no other holds ``name`` itself (the conflict was not the name)."""
        statement = sa.select(sa.func.lower(characters.c.name)).where(
            _ACTIVE, characters.c.character_id != change.character_id
        )
        async with self._engine.connect() as connection:
            taken = set((await connection.execute(statement)).scalars())
        if change.name.lower() not in taken:
            return None
        n = 1
        while True:
            suffix = str(n)
            candidate = change.name[: NAME_MAX - len(suffix)] + suffix
            if candidate.lower() not in taken:
                return candidate
            n += 1

    async def _apply(self, change: CharacterStateChanged) -> bool:
        async with self._engine.begin() as connection:
            # A row comes back only when inserted or actually updated: the conflict
            # clause's WHERE filters stale versions out, inside the one statement.
            written = (await connection.execute(self._upsert(change))).first() is not None
            if change.deleted:
                # Even when stale (a redelivery): destroying them again changes nothing.
                await connection.execute(_destroy_items_of(change.character_id))
        return written

    def _upsert(self, change: CharacterStateChanged) -> Any:
        now = datetime.now(UTC)
        values: dict[str, Any] = {
            "character_id": change.character_id,
            "account_id": change.account_id,
            "name": change.name,
            "profession": change.profession,
            "characteristics": change.characteristics.as_dict(),
            "state": change.state.model_dump(mode="json"),
            "room_id": change.room_id,
            "version": change.version,
            "created_at": now,
            "updated_at": now,
            "deleted_at": now if change.deleted else None,
        }
        statement = insert_for(self._engine)(characters).values(**values)
        excluded = statement.excluded
        kept = ("character_id", "created_at")
        return statement.on_conflict_do_update(
            index_elements=[characters.c.character_id],
            set_={column: excluded[column] for column in values if column not in kept},
            where=characters.c.version < excluded.version,
        ).returning(characters.c.version)


def _destroy_items_of(character_id: str) -> sa.Update:
    """Every item the character carries or wears becomes a tombstone (a deleted
    character's items are destroyed, §3.8), in the transaction that deletes it: the
    game saves a tombstone for each item it holds, and this catches any it did not (one
    whose save it has not seen, one of a kind the world no longer has)."""
    return (
        sa.update(items)
        .where(
            items.c.location_kind.in_(("carried", "worn")),
            items.c.location_id == character_id,
        )
        .values(
            location_kind="gone",
            location_id=None,
            slot=None,
            origin=None,
            version=items.c.version + 1,
            updated_at=datetime.now(UTC),
        )
    )


def _record(values: Any) -> CharacterRecord:
    return CharacterRecord.model_validate(
        {
            "character_id": values["character_id"],
            "account_id": values["account_id"],
            "name": values["name"],
            "profession": values["profession"],
            "characteristics": values["characteristics"],
            "state": values["state"],
            "room_id": values["room_id"],
            "version": values["version"],
        }
    )
