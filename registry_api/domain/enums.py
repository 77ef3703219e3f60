"""Closed vocabularies of the registry, shared by every surface and stored as their string values."""

from enum import StrEnum


class RecipientKind(StrEnum):
    """The kinds of recipients named by the privacy policy (see data/recipient_categories.csv)."""

    hosting = "hosting"
    network_cdn = "network_cdn"
    security = "security"
    billing_payment = "billing_payment"
    domain_registrar = "domain_registrar"
    fraud_prevention = "fraud_prevention"
    web_analytics = "web_analytics"
    email_delivery = "email_delivery"
    session_remote_access = "session_remote_access"
    performance_monitoring = "performance_monitoring"
    content_provider = "content_provider"
    legal_financial_advisor = "legal_financial_advisor"
    group_entity = "group_entity"
    partner = "partner"
    authority = "authority"


class Role(StrEnum):
    """What the recipient is to the company; it decides which SCC module fits and whether safeguards apply."""

    subprocessor = "subprocessor"
    vendor = "vendor"
    group_entity = "group_entity"
    partner = "partner"
    authority = "authority"


class Status(StrEnum):
    proposed = "proposed"
    active = "active"
    rejected = "rejected"
    retired = "retired"


class Criticality(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


class LocationUse(StrEnum):
    """Why data is at a place; remote or support access from a third country is a transfer too."""

    storage = "storage"
    processing = "processing"
    remote_access = "remote_access"
    backup = "backup"


class Mechanism(StrEnum):
    """Chapter V tools: art. 45 adequacy (the US only through the DPF), art. 46 safeguards, art. 49."""

    adequacy = "adequacy"
    dpf = "dpf"
    scc = "scc"
    bcr = "bcr"
    code_of_conduct = "code_of_conduct"
    certification = "certification"
    ad_hoc_clauses = "ad_hoc_clauses"
    derogation_art49 = "derogation_art49"


class Actor(StrEnum):
    """Which surface a change came through, the prefix of every history `actor`."""

    api = "api"
    slack = "slack"
    cli = "cli"
    system = "system"
