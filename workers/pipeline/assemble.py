"""Stage 6: the stages' findings -> the enriched event (``enriched_event.v1.json``)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from workers import __version__
from workers.contract import SCHEMA_VERSION
from workers.core import stages
from workers.core.outcomes import Enriched
from workers.core.records import Article, Entity, LanguageTag, Location, Place, PlaceKind, Span
from workers.pipeline.agreement import agree

STAGE = stages.ASSEMBLE


def span_json(span: Span) -> dict[str, Any]:
    return {"text": span.text, "start": span.start, "end": span.end, "field": span.field}


def entity_json(entity: Entity) -> dict[str, Any]:
    return span_json(entity.span) | {"label": entity.label}


#: The event's ``kind`` keeps v1's five values, so readers that switch on them never meet a
#: sixth: a second-level division (internal ``admin2``) is written as ``region``, told apart from
#: a multi-country region by its ``feature_code`` ADM2 (and its country code).
_EVENT_KIND: dict[PlaceKind, str] = {
    "continent": "continent",
    "country": "country",
    "region": "region",
    "admin1": "admin1",
    "admin2": "region",
    "city": "city",
}


def location_json(location: Location) -> dict[str, Any]:
    p = location.place
    feature_code = p.feature_code or ("ADM2" if p.kind == "admin2" else None)
    return {
        "name": p.name,
        "geonameid": p.geonameid,
        "country_code": p.country_code,
        "admin1": p.admin1,
        "lat": p.lat,
        "lon": p.lon,
        "kind": _EVENT_KIND[p.kind],
        "population": p.population,
        "mentions": [span_json(m) for m in location.mentions],
        # Additive to v1: after the original keys, which keep their order and values.
        "confidence": round(location.confidence, 3),
        "feature_code": feature_code,
        "admin2": p.admin2,
    }


#: On equal mentions the more specific place is the better answer to "where is this news".
#: Only the order matters; ``admin2`` sits between a city and an admin1, the others keep theirs.
_SPECIFICITY: dict[PlaceKind, int] = {
    "city": 0,
    "admin2": 1,
    "admin1": 2,
    "country": 3,
    "region": 4,
    "continent": 5,
}


def focus_of(locations: Sequence[Location]) -> dict[str, Any] | None:
    """The place the article is mainly about, as CLIFF and GDELT give one.

    The most-mentioned place; continents and multi-country regions only when nothing more
    precise is named. Ties go to the more specific place, then to the one named first
    (locations come in reading order).
    """
    precise = [loc for loc in locations if loc.place.kind not in ("continent", "region")]
    pool = precise or list(locations)
    if not pool:
        return None
    best = min(
        enumerate(pool),
        key=lambda item: (-len(item[1].mentions), _SPECIFICITY[item[1].place.kind], item[0]),
    )[1]
    p = best.place
    return {"name": p.name, "geonameid": p.geonameid, "country_code": p.country_code}


def _division_key(region: Place) -> tuple[str | None, ...]:
    """The key its cities' mentions are summed under: (country, admin1[, admin2]); a division
    without the codes its cities would need to match gets a key no city has."""
    if region.admin1 is None or (region.kind == "admin2" and region.admin2 is None):
        return (None, None, None, None)
    if region.kind == "admin2":
        return (region.country_code, region.admin1, region.admin2)
    return (region.country_code, region.admin1)


def _central(scored: list[tuple[int, int, Place]]) -> list[dict[str, Any]]:
    """The central entries of one level: ``(score, first-mention index, place)`` -> JSON, best first."""
    if not scored:
        return []
    top = max(score for score, _, _ in scored)
    kept = sorted((item for item in scored if 2 * item[0] > top), key=lambda item: (-item[0], item[1]))
    return [
        {"name": p.name, "geonameid": p.geonameid, "country_code": p.country_code, "score": score}
        for score, _, p in kept
    ]


def focus_levels(locations: Sequence[Location]) -> dict[str, list[dict[str, Any]]]:
    """The article's focus split into cities, regions and countries, as CLIFF's focus gives it.

    Each level lists places the article names, most central first, with a score:

    - a country: mentions of the country itself plus mentions of every place inside it (any
      named city, division or region with that country code);
    - a region (an admin1 or admin2 division): its own mentions plus mentions of the cities
      inside it (same country and admin1 code; for an admin2, also the same admin2 code, so a
      city whose admin2 is unknown counts for its admin1 only);
    - a city: its own mentions.

    Ties go to the place named first (locations come in reading order). Continents and
    multi-country regions are in no level; a country or division the article only implies
    (a city's, when the country itself is never named) is not listed either, since the event
    has no name or id for it.

    A level keeps the places scoring more than half its top score. CLIFF keeps only the top
    ones; a strict maximum would drop a near-equal second focus (an article about Beirut
    naming it five times and Tripoli four), and a fixed top-k would keep a passing mention in
    an article with one clear focus. "More than half" rather than "at least half" because
    mention counts are small: with the top named twice, "at least half" would make every
    place named once a focus too, which is the passing mention the cut is there to drop. With
    the top named once every place named once is kept: there is nothing to prefer one by.
    """
    located = [
        (i, loc.place, len(loc.mentions))
        for i, loc in enumerate(locations)
        if loc.place.country_code is not None
    ]
    # Mentions of the places inside each country and division, summed in one pass (an article
    # can name thousands of places, and a sum per division over all of them would be quadratic).
    inside: Counter[tuple[str | None, ...]] = Counter()
    for _, q, m in located:
        if q.kind != "country":
            inside[(q.country_code,)] += m
        if q.kind == "city" and q.admin1 is not None:
            inside[(q.country_code, q.admin1)] += m
            if q.admin2 is not None:
                inside[(q.country_code, q.admin1, q.admin2)] += m
    countries = [(n + inside[(p.country_code,)], i, p) for i, p, n in located if p.kind == "country"]
    regions = [(n + inside[_division_key(p)], i, p) for i, p, n in located if p.kind in ("admin1", "admin2")]
    cities = [(n, i, p) for i, p, n in located if p.kind == "city"]
    return {"cities": _central(cities), "regions": _central(regions), "countries": _central(countries)}


def assemble(
    article: Article,
    language: LanguageTag,
    entities: Sequence[Entity],
    locations: Sequence[Location],
    *,
    worker_version: str,
    models: Mapping[str, str],
    duration_s: float | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    processed_at = (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    processing: dict[str, Any] = {
        "processed_at": processed_at,
        "worker_version": worker_version,
        "models": dict(models),
    }
    if duration_s is not None:
        processing["duration_s"] = round(duration_s, 6)
    return {
        "id": article.id,
        "schema_version": SCHEMA_VERSION,
        "language": {"code": language.code, "confidence": language.confidence, "source": language.source},
        "entities": [entity_json(e) for e in entities],
        "locations": [location_json(loc) for loc in locations],
        "focus": focus_of(locations),
        "focus_levels": focus_levels(locations),
        "source": {
            "title": article.title,
            "url": article.url,
            "source": article.source,
            "published_at": article.published_at,
            "lang_hint": article.lang_hint,
        },
        "processing": processing,
    }


class AssembleStage:
    """The stages' findings -> the encoded event: entities made to agree with the places
    (:func:`~workers.pipeline.agreement.agree`), the event built and serialised."""

    name = STAGE
    requires = ("article", "language", "entities", "locations", "started")
    provides = "enriched"
    finishing = True
    model_version = ""

    def __init__(self, models: Mapping[str, str], worker_version: str = __version__) -> None:
        self.models = dict(models)
        self.worker_version = worker_version

    def process(
        self,
        article: Article,
        language: LanguageTag,
        entities: Sequence[Entity],
        locations: Sequence[Location],
        started: float,
    ) -> Enriched:
        event = assemble(
            article,
            language,
            agree(entities, locations, article),
            locations,
            worker_version=self.worker_version,
            models=self.models,
            duration_s=time.perf_counter() - started,
        )
        return Enriched(key=article.id.encode("utf-8"), value=orjson.dumps(event), event=event)
