"""Stage 6: the stages' findings -> the enriched event (``enriched_event.v1.json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from workers.contract import SCHEMA_VERSION
from workers.records import Article, Entity, LanguageTag, Location, Span

STAGE = "assemble"


def span_json(span: Span) -> dict[str, Any]:
    return {"text": span.text, "start": span.start, "end": span.end, "field": span.field}


def entity_json(entity: Entity) -> dict[str, Any]:
    return span_json(entity.span) | {"label": entity.label}


def location_json(location: Location) -> dict[str, Any]:
    p = location.place
    return {
        "name": p.name,
        "geonameid": p.geonameid,
        "country_code": p.country_code,
        "admin1": p.admin1,
        "lat": p.lat,
        "lon": p.lon,
        "kind": p.kind,
        "population": p.population,
        "mentions": [span_json(m) for m in location.mentions],
    }


#: On equal mentions the more specific place is the better answer to "where is this news".
_SPECIFICITY = {"city": 0, "admin1": 1, "country": 2, "region": 3, "continent": 4}


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
        "source": {
            "title": article.title,
            "url": article.url,
            "source": article.source,
            "published_at": article.published_at,
            "lang_hint": article.lang_hint,
        },
        "processing": processing,
    }
