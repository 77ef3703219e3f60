"""Answers to read questions (lists, `who`), cached under the registry's generation number.

Every write through the services bumps the generation in its own transaction, so a cached answer is
served only while nothing changed, on this replica or another: each read costs one tiny query instead
of a filter, a count and the hydration of a page.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from registry_api.db.tables import Recipient

T = TypeVar("T")
MAX_ENTRIES = 500
_answers: OrderedDict[tuple[int, Hashable], object] = OrderedDict()


async def generation() -> int:
    rows = await Recipient.raw("SELECT generation FROM registry_state WHERE id = 1")
    return int(rows[0]["generation"]) if rows else 0


async def bump() -> None:
    """Call inside the write transaction of any change that a read answer could show."""
    await Recipient.raw("UPDATE registry_state SET generation = generation + 1 WHERE id = 1")


async def cached(key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
    entry_key = (await generation(), key)
    hit = _answers.get(entry_key)
    if hit is not None:
        _answers.move_to_end(entry_key)
        return hit  # type: ignore[return-value]
    value = await compute()
    _answers[entry_key] = value
    if len(_answers) > MAX_ENTRIES:
        _answers.popitem(last=False)
    return value


def clear() -> None:
    _answers.clear()
