"""Shapes of reference data and solutions."""

from __future__ import annotations

from msgspec import Struct

from registry_api.schemas.recipients import Long, Name, Slug


class DataCategoryOut(Struct, kw_only=True):
    code: str
    label_fr: str
    label_en: str
    sensitive: bool
    basis: str


class KindOut(Struct, kw_only=True):
    code: str
    label_fr: str
    label_en: str


class SolutionCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    slug: Slug | None = None
    description: Long = ""


class SolutionOut(Struct, kw_only=True):
    slug: str
    name: str
    description: str
    recipients: list[str] = []
