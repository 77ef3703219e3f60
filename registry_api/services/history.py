"""The append-only trail of changes; written inside the transaction of the change it describes."""

from __future__ import annotations

import msgspec

from registry_api.db.tables import HistoryEntry
from registry_api.schemas.recipients import HistoryOut


async def record(entity: str, key: str, action: str, actor: str, before: object = None, after: object = None) -> None:
    await HistoryEntry.insert(
        HistoryEntry(
            entity=entity,
            entity_key=key,
            action=action,
            actor=actor,
            before=_json(before),
            after=_json(after),
        )
    )


async def entries(entity: str, key: str, limit: int = 200, offset: int = 0) -> list[HistoryOut]:
    rows = (
        await HistoryEntry.select()
        .where((HistoryEntry.entity == entity) & (HistoryEntry.entity_key == key))
        .order_by(HistoryEntry.id)
        .limit(limit)
        .offset(offset)
        .output(load_json=True)
    )
    return [msgspec.convert(row, HistoryOut) for row in rows]


def _json(value: object) -> str | None:
    if value is None:
        return None
    return msgspec.json.encode(msgspec.to_builtins(value)).decode()
