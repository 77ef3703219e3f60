from piccolo.columns import JSON, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxMessage(Table, tablename="outbox"):
    """A side effect (Slack message, webhook) recorded in the transaction that caused it.

    `dedupe_key` is unique: recording the same notice twice is a no-op. The dispatcher claims a row
    (`claimed_until`) before sending, so two replicas never send the same row at once.
    """

    kind = Varchar(length=40)
    dedupe_key = Varchar(length=200, unique=True)
    payload = JSON()
    created_at = Timestamptz(default=TimestamptzNow())
    due_at = Timestamptz(default=TimestamptzNow(), index=True)
    attempts = Integer(default=0)
    last_error = Text(default="")
    claimed_until = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None, index=True)
    result = JSON(null=True, default=None)
