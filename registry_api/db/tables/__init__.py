"""Every Piccolo table of the registry, importable from one place."""

from registry_api.db.tables.api_key import ApiKey
from registry_api.db.tables.audit import Audit, JobRun
from registry_api.db.tables.data_category import DataCategory
from registry_api.db.tables.history import HistoryEntry
from registry_api.db.tables.list_version import ListVersion
from registry_api.db.tables.location import Location
from registry_api.db.tables.outbox import OutboxMessage
from registry_api.db.tables.recipient import Recipient
from registry_api.db.tables.recipient_data_category import RecipientDataCategory
from registry_api.db.tables.solution import Solution, SolutionRecipient
from registry_api.db.tables.webhook import Webhook

ALL_TABLES = (
    DataCategory,
    Recipient,
    Location,
    RecipientDataCategory,
    Solution,
    SolutionRecipient,
    HistoryEntry,
    ApiKey,
    OutboxMessage,
    ListVersion,
    Webhook,
    Audit,
    JobRun,
)

__all__ = [
    "ALL_TABLES",
    "ApiKey",
    "Audit",
    "DataCategory",
    "HistoryEntry",
    "JobRun",
    "ListVersion",
    "Location",
    "OutboxMessage",
    "Recipient",
    "RecipientDataCategory",
    "Solution",
    "SolutionRecipient",
    "Webhook",
]
