from piccolo.columns import JSON, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class HistoryEntry(Table, tablename="history"):
    """Append-only trail of every write: who (`api:<key>`, `slack:<user>`, `cli`), when, before, after."""

    entity = Varchar(length=40, index=True)
    entity_key = Varchar(length=120, index=True)
    action = Varchar(length=40)
    actor = Varchar(length=200)
    at = Timestamptz(default=TimestamptzNow())
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
