"""The values that flow between enrichment stages.

Every stage takes an :class:`Article` (plus what earlier stages found) and
returns plain, immutable records. Nothing here knows about Kafka or JSON, so
each stage can be tested on its own with literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TextField = Literal["title", "body"]

#: Entity labels after normalisation across models (GPE/FAC/LOC -> LOC, ...).
EntityLabel = Literal["PER", "ORG", "LOC", "MISC"]

#: What kind of place a gazetteer entry is, coarse enough for dashboards. ``admin2`` is a
#: second-level division (a US county, a Welsh unitary authority, a Nigerian LGA); the event's
#: ``kind`` keeps v1's five values and reports one as ``region`` with ``feature_code`` ADM2.
PlaceKind = Literal["continent", "country", "region", "admin1", "admin2", "city"]


@dataclass(frozen=True, slots=True)
class Article:
    """A raw article after validation. ``title``/``body`` are the only texts tagged."""

    id: str
    body: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: str | None = None
    lang_hint: str | None = None

    def text_of(self, name: TextField) -> str:
        return self.body if name == "body" else (self.title or "")

    def text_chars(self) -> int:
        """Characters the taggers read: title and body."""
        return len(self.body) + len(self.title or "")


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of an article's text: ``text == article.<field>[start:end]`` (Python str indices)."""

    text: str
    start: int
    end: int
    field: TextField


@dataclass(frozen=True, slots=True)
class LanguageTag:
    code: str  # ISO 639-1, no region suffix
    confidence: float  # 0..1
    source: Literal["model", "hint"] = "model"


@dataclass(frozen=True, slots=True)
class Entity:
    span: Span
    label: EntityLabel
    #: How sure the tagger was (the least marginal probability of the entity's token tags under
    #: its CRF), where the tagger can say; ``None`` otherwise. Internal: the places stage weighs
    #: it (:mod:`workers.pipeline.agreement`); the event does not carry it.
    confidence: float | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry (a GeoNames feature)."""

    geonameid: int
    name: str  # canonical English name
    kind: PlaceKind
    country_code: str | None  # ISO-3166 alpha-2; None for continents and supranational regions
    admin1: str | None
    lat: float
    lon: float
    population: int = 0
    #: GeoNames admin2 code within the admin1 (a US county's FIPS code), where the data has it.
    admin2: str | None = None
    #: GeoNames feature code where the data says it exactly (ADM1, ADM2, PPLC, CONT); else None.
    feature_code: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """A place the article names, with every mention of it."""

    place: Place
    mentions: tuple[Span, ...] = field(default_factory=tuple)
    #: How likely the place is the right one, in [0, 1], from the evidence that chose it
    #: (:func:`workers.pipeline.locations.confidence_of`); calibrated on DEV (README).
    confidence: float = field(default=1.0, compare=False)
