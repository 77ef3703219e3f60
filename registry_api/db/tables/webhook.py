from piccolo.columns import Boolean, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Webhook(Table):
    """A client endpoint told of every public-list change, signed with its own secret (HMAC-SHA256)."""

    name = Varchar(length=100, unique=True)
    url = Varchar(length=1000)
    secret = Varchar(length=200)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
