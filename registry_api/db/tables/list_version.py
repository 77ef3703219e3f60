from piccolo.columns import JSON, Boolean, Date, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ListVersion(Table):
    """One published state of the public subprocessor list, kept whole so any past version can be shown
    exactly as it was, with the field-by-field diff from the version before."""

    number = Integer(unique=True, index=True)
    announced_at = Timestamptz(default=TimestamptzNow())
    effective_on = Date()
    objection_deadline = Date(null=True, default=None)
    needs_notice = Boolean(default=False)
    content_hash = Varchar(length=64)
    snapshot = JSON()
    diff = JSON()
    reason = Text(default="")
    actor = Varchar(length=200, default="")
