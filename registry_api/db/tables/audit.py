from piccolo.columns import Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from registry_api.db.tables.recipient import Recipient


class Audit(Table):
    """One audit of a supplier: open (due, with the reason for its date) until recorded or cancelled.

    At most one open audit per supplier (a partial unique index, see migrations); reminders are keyed by
    (audit id, step) in the outbox, so recording an audit starts a fresh reminder sequence.
    """

    recipient = ForeignKey(references=Recipient, on_delete=OnDelete.cascade, index=True)
    state = Varchar(length=10, default="open", index=True)
    due_on = Date(index=True)
    due_reason = Text(default="")
    outcome = Varchar(length=10, null=True, default=None)
    performed_on = Date(null=True, default=None)
    evidence_url = Varchar(length=1000, default="")
    findings = Text(default="")
    recorded_by = Varchar(length=200, default="")
    recorded_at = Timestamptz(null=True, default=None)
    assignee = Varchar(length=200, default="")
    snoozed_until = Date(null=True, default=None)
    snooze_reason = Text(default="")
    last_reminder = Varchar(length=40, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class JobRun(Table):
    """When a periodic job last ran, so that a run missed while every process was down is caught up."""

    name = Varchar(length=100, unique=True)
    last_run_at = Timestamptz(null=True, default=None)
