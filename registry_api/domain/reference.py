"""Reference data shipped with the package: EEA, adequacy decisions, data categories, recipient kinds.

The adequacy list changes (UK renewal 2025, Brazil 2026, a possible fall of the DPF), so it is data with
an as-of date, passed to the transfer rules rather than baked into them: a new list re-checks everything.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import pycountry
from babel import Locale

ADEQUACY_AS_OF = date(2026, 11, 26)
LANGUAGES = ("fr", "en")


@dataclass(frozen=True, slots=True)
class AdequacyDecision:
    country: str
    name: str
    decision: str
    adopted: date
    partial: bool
    scope_note: str


@dataclass(frozen=True, slots=True)
class AdequacyList:
    """The countries with an art. 45 decision, as known on `as_of`."""

    as_of: date
    decisions: dict[str, AdequacyDecision]

    def get(self, country: str) -> AdequacyDecision | None:
        return self.decisions.get(country)

    def without(self, *countries: str) -> AdequacyList:
        """The list after decisions fall (the DPF case); used to re-check the registry against it."""
        return AdequacyList(as_of=self.as_of, decisions={k: v for k, v in self.decisions.items() if k not in countries})


@dataclass(frozen=True, slots=True)
class DataCategory:
    code: str
    label_fr: str
    label_en: str
    sensitive: bool
    basis: str

    def label(self, lang: str) -> str:
        return self.label_fr if lang == "fr" else self.label_en


@dataclass(frozen=True, slots=True)
class KindInfo:
    code: str
    label_fr: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_fr if lang == "fr" else self.label_en


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("registry_api.domain").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def eea_countries() -> frozenset[str]:
    return frozenset(row["iso2"] for row in _rows("eea.csv"))


@cache
def adequacy_list() -> AdequacyList:
    decisions = {
        row["iso2"]: AdequacyDecision(
            country=row["iso2"],
            name=row["name"],
            decision=row["decision"],
            adopted=date.fromisoformat(row["adopted"]),
            partial=row["scope"] == "partial",
            scope_note=row["scope_note"],
        )
        for row in _rows("adequacy.csv")
    }
    return AdequacyList(as_of=ADEQUACY_AS_OF, decisions=decisions)


@cache
def data_categories() -> dict[str, DataCategory]:
    return {
        row["code"]: DataCategory(
            code=row["code"],
            label_fr=row["label_fr"],
            label_en=row["label_en"],
            sensitive=row["sensitive"] == "yes",
            basis=row["basis"],
        )
        for row in _rows("data_categories.csv")
    }


@cache
def recipient_kinds() -> dict[str, KindInfo]:
    return {
        row["code"]: KindInfo(code=row["code"], label_fr=row["label_fr"], label_en=row["label_en"])
        for row in _rows("recipient_categories.csv")
    }


def is_known_country(code: str) -> bool:
    """ISO 3166-1 alpha-2, upper case, as pycountry knows it (so `XX` or `UK` are refused)."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


@cache
def country_name(code: str, lang: str = "en") -> str:
    """The country's name in French or English (Babel's CLDR names), the code itself if unknown."""
    name = Locale.parse(lang).territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code
