"""Shapes of reference data and solutions."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from registry_api.schemas.recipients import Slug


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
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    slug: Slug | None = None
    description: Annotated[str, Meta(max_length=10_000)] = ""


class SolutionOut(Struct, kw_only=True):
    slug: str
    name: str
    description: str
    recipients: list[str] = []
