from piccolo.columns import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ApiKey(Table):
    """API keys are stored as SHA-256 digests: a stolen database does not give working keys."""

    name = Varchar(length=100, unique=True)
    role = Varchar(length=10)
    key_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
