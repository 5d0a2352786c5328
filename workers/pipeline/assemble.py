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


def focus_of(locations: Sequence[Location]) -> dict[str, Any] | None:
    """The most-mentioned place; on a tie the one named first (locations come in text order)."""
    if not locations:
        return None
    best = max(locations, key=lambda loc: (len(loc.mentions), -locations.index(loc)))
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
