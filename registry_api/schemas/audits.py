"""Shapes of supplier audits at the edge (API bodies, Slack modal results)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

from registry_api.domain.audit_rules import Outcome

TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Url = Annotated[str, Meta(max_length=1000, pattern=r"^$|^https?://\S+$")]


class AuditRecord(Struct, forbid_unknown_fields=True, kw_only=True):
    outcome: Outcome
    performed_on: date | None = None
    evidence_url: Url = ""
    findings: Annotated[str, Meta(max_length=20_000, pattern=TEXT)] = ""


class AuditSnooze(Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, Meta(min_length=3, max_length=2000, pattern=r"^(?=.*\S)[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
    days: Annotated[int, Meta(ge=1, le=90)] = 7


class AuditOut(Struct, kw_only=True):
    id: int
    recipient: str
    recipient_name: str
    criticality: str
    state: str
    due_on: date
    due_reason: str
    days_left: int
    overdue: bool
    outcome: str | None
    performed_on: date | None
    evidence_url: str
    findings: str
    recorded_by: str
    recorded_at: datetime | None
    assignee: str
    snoozed_until: date | None
    snooze_reason: str
