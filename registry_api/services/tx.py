"""Write transactions: IMMEDIATE on SQLite so that concurrent writers queue instead of failing late."""

from __future__ import annotations

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from registry_api.db.engine import current_engine


def write_transaction():
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def is_sqlite() -> bool:
    return isinstance(current_engine(), SQLiteEngine)
