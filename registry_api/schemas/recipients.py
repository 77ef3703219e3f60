"""Input and output shapes of recipients, their locations and the `who` answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from registry_api.domain.enums import (
    Criticality,
    LocationUse,
    Mechanism,
    RecipientKind,
    Role,
    Status,
)

# Printable text only: control characters break XML (the Atom feed) and PostgreSQL refuses NUL.
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_LINE = r"^(?=.*\S)[^\x00-\x1f\x7f]*$"  # one line, not blank
Slug = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$", description="lower-case letters, digits, -")]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=_LINE, description="not blank")]
Short = Annotated[str, Meta(max_length=300, pattern=_TEXT)]
City = Annotated[str, Meta(max_length=120, pattern=_TEXT)]
PersonName = Annotated[str, Meta(max_length=200, pattern=_TEXT)]
Long = Annotated[str, Meta(max_length=10_000, pattern=_TEXT)]
Email = Annotated[str, Meta(max_length=320, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Country = Annotated[str, Meta(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. FR")]
Tag = Annotated[str, Meta(min_length=1, max_length=80, pattern=_LINE)]
Purpose = Annotated[str, Meta(min_length=1, max_length=300, pattern=_LINE)]
SccModule = Annotated[int, Meta(ge=1, le=4)]


class LocationIn(Struct, forbid_unknown_fields=True, kw_only=True):
    country: Country
    use: LocationUse
    city: City = ""
    mechanism: Mechanism | None = None
    scc_module: SccModule | None = None
    scc_signed_on: date | None = None
    tia_on: date | None = None
    supplementary_measures: Long = ""


class Publication(Struct, forbid_unknown_fields=True, kw_only=True):
    """How a change of the public list is announced: an earlier effective date needs a written reason
    (urgent replacement), which the notice shows. Not stored on the recipient."""

    effective_on: date | None = None
    reason: Annotated[str, Meta(max_length=2000, pattern=_TEXT)] = ""


class RecipientCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    kind: RecipientKind
    role: Role
    slug: Slug | None = None
    legal_name: Short = ""
    address: Long = ""
    contact_name: PersonName = ""
    contact_email: Email = ""
    website: Short = ""
    service_description: Long = ""
    internal_notes: Long = ""
    status: Status = Status.active
    public: bool = False
    criticality: Criticality = Criticality.medium
    certifications: Annotated[list[Tag], Meta(max_length=50)] = []
    purposes: Annotated[list[Purpose], Meta(max_length=50)] = []
    dpa_signed_on: date | None = None
    parent: Slug | None = None
    locations: Annotated[list[LocationIn], Meta(max_length=100)] = []
    data_categories: Annotated[list[Tag], Meta(max_length=50)] = []
    solutions: Annotated[list[Slug], Meta(max_length=50)] = []
    publication: Publication | None = None


class RecipientPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields given change; `version` must be the one read (optimistic concurrency)."""

    version: Annotated[int, Meta(ge=1, le=2_147_483_647)]
    name: Name | UnsetType = UNSET
    kind: RecipientKind | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    legal_name: Short | UnsetType = UNSET
    address: Long | UnsetType = UNSET
    contact_name: PersonName | UnsetType = UNSET
    contact_email: Email | UnsetType = UNSET
    website: Short | UnsetType = UNSET
    service_description: Long | UnsetType = UNSET
    internal_notes: Long | UnsetType = UNSET
    status: Status | UnsetType = UNSET
    public: bool | UnsetType = UNSET
    criticality: Criticality | UnsetType = UNSET
    certifications: Annotated[list[Tag], Meta(max_length=50)] | UnsetType = UNSET
    purposes: Annotated[list[Purpose], Meta(max_length=50)] | UnsetType = UNSET
    dpa_signed_on: date | UnsetType | None = UNSET
    parent: Slug | UnsetType | None = UNSET
    locations: Annotated[list[LocationIn], Meta(max_length=100)] | UnsetType = UNSET
    data_categories: Annotated[list[Tag], Meta(max_length=50)] | UnsetType = UNSET
    solutions: Annotated[list[Slug], Meta(max_length=50)] | UnsetType = UNSET
    publication: Publication | None = None


class LocationOut(Struct, kw_only=True):
    country: str
    country_name: str
    use: LocationUse
    city: str
    mechanism: Mechanism | None
    scc_module: int | None
    scc_signed_on: date | None
    tia_on: date | None
    supplementary_measures: str
    in_eea: bool


class CategoryOut(Struct, kw_only=True):
    code: str
    label_fr: str
    label_en: str
    sensitive: bool


class Warning(Struct, kw_only=True):
    code: str
    message: str
    country: str | None = None
    location: str | None = None


class RecipientOut(Struct, kw_only=True):
    slug: str
    name: str
    legal_name: str
    address: str
    contact_name: str
    contact_email: str
    website: str
    service_description: str
    internal_notes: str
    kind: RecipientKind
    role: Role
    status: Status
    public: bool
    criticality: Criticality
    certifications: list[str]
    purposes: list[str]
    dpa_signed_on: date | None
    parent: str | None
    locations: list[LocationOut]
    data_categories: list[CategoryOut]
    solutions: list[str]
    sensitive: bool
    version: int
    created_at: datetime
    updated_at: datetime
    warnings: list[Warning] = []


class RecipientPage(Struct, kw_only=True):
    items: list[RecipientOut]
    total: int
    limit: int
    offset: int


class WhoEntry(Struct, kw_only=True):
    slug: str
    name: str
    kind: RecipientKind
    role: Role
    status: Status
    public: bool
    data_categories: list[CategoryOut]
    locations: list[LocationOut]
    sensitive: bool
    outside_eea: bool


class WhoAnswer(Struct, kw_only=True):
    items: list[WhoEntry]
    total: int
    limit: int
    offset: int


class HistoryOut(Struct, kw_only=True):
    id: int
    entity: str
    entity_key: str
    action: str
    actor: str
    at: datetime
    before: dict | None
    after: dict | None


def to_builtins(value: object) -> object:
    """JSON-ready builtins (dates as ISO strings) for history snapshots and templates."""
    return msgspec.to_builtins(value)
