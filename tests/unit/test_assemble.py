"""The enriched event's additive v1 fields: per-place confidence/feature_code/admin2, focus_levels."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from workers.contract import ENRICHED_EVENT, load_schema, validator
from workers.core.records import Article, LanguageTag, Location, Place, PlaceKind, Span
from workers.pipeline.assemble import assemble, focus_levels, focus_of, location_json

#: The keys a v1 location had before the additive fields, in their order.
V1_LOCATION_KEYS = [
    "name",
    "geonameid",
    "country_code",
    "admin1",
    "lat",
    "lon",
    "kind",
    "population",
    "mentions",
]
V1_EVENT_KEYS = ["id", "schema_version", "language", "entities", "locations", "focus", "source", "processing"]
NO_LEVELS: dict[str, list[Any]] = {"cities": [], "regions": [], "countries": []}


def _place(
    gid: int,
    name: str,
    kind: PlaceKind,
    cc: str | None,
    admin1: str | None = None,
    admin2: str | None = None,
    feature_code: str | None = None,
) -> Place:
    return Place(gid, name, kind, cc, admin1, 1.0, 2.0, 1000, admin2=admin2, feature_code=feature_code)


def _loc(place: Place, mentions: int, confidence: float = 1.0) -> Location:
    spans = tuple(Span("x", i, i + 1, "body") for i in range(mentions))
    return Location(place, spans, confidence=confidence)


BEIRUT = _place(276781, "Beirut", "city", "LB", "04", feature_code="PPLC")
TRIPOLI = _place(266826, "Tripoli", "city", "LB", "09")
LEBANON = _place(272103, "Lebanon", "country", "LB", "00")
PARIS = _place(2988507, "Paris", "city", "FR", "11", "75", "PPLC")
BEIRUT_GOV = _place(276780, "Beyrouth", "admin1", "LB", "04", feature_code="ADM1")
MIDDLE_EAST = _place(6269133, "Middle East", "region", None)
ASIA = _place(6255147, "Asia", "continent", None, feature_code="CONT")
COOK = _place(4888671, "Cook County", "admin2", "US", "IL", "031")
CHICAGO = _place(4887398, "Chicago", "city", "US", "IL", "031")
EVANSTON = _place(4891382, "Evanston", "city", "US", "IL", None)
ILLINOIS = _place(4896861, "Illinois", "admin1", "US", "IL", feature_code="ADM1")


def _event(locations: list[Location]) -> dict[str, Any]:
    article = Article(id="a1", body="x" * 20, title="t", source="unit")
    return assemble(
        article,
        LanguageTag("en", 0.99),
        [],
        locations,
        worker_version="test",
        models={"language": "test"},
        now=datetime(2024, 1, 1, tzinfo=UTC),
    )


def _errors(event: dict[str, Any]) -> list[str]:
    return [e.message for e in validator(ENRICHED_EVENT).iter_errors(event)]


def test_location_json_adds_the_new_fields_after_the_old_ones() -> None:
    out = location_json(_loc(PARIS, 2, confidence=0.87654))
    assert list(out)[: len(V1_LOCATION_KEYS)] == V1_LOCATION_KEYS
    assert list(out)[len(V1_LOCATION_KEYS) :] == ["confidence", "feature_code", "admin2"]
    assert out["kind"] == "city"
    assert out["confidence"] == 0.877
    assert out["feature_code"] == "PPLC"
    assert out["admin2"] == "75"
    bare = location_json(_loc(TRIPOLI, 1))
    assert (bare["confidence"], bare["feature_code"], bare["admin2"]) == (1.0, None, None)


def test_admin2_is_written_as_a_region_with_feature_code_adm2() -> None:
    out = location_json(_loc(COOK, 1, confidence=0.5))
    assert out["kind"] == "region", "v1 readers must not meet a sixth kind"
    assert out["feature_code"] == "ADM2"
    assert (out["country_code"], out["admin1"], out["admin2"]) == ("US", "IL", "031")
    given = location_json(_loc(_place(9, "Powys", "admin2", "GB", "WLS", "Y4", "ADM2"), 1))
    assert (given["kind"], given["feature_code"]) == ("region", "ADM2")


def test_the_schema_still_has_five_kinds_and_requires_no_new_field() -> None:
    schema = load_schema(ENRICHED_EVENT)
    location = schema["$defs"]["location"]
    assert location["properties"]["kind"]["enum"] == ["continent", "country", "region", "admin1", "city"]
    assert not {"confidence", "feature_code", "admin2"} & set(location["required"])
    assert "focus_levels" not in schema["required"]
    for name in ("confidence", "feature_code", "admin2"):
        assert location["properties"][name]["description"]
    assert schema["properties"]["focus_levels"]["description"]


def test_an_assembled_event_with_the_new_fields_validates() -> None:
    locations = [
        _loc(BEIRUT, 2, 0.93),
        _loc(COOK, 1, 0.41),
        _loc(MIDDLE_EAST, 1),
        _loc(ASIA, 1),
        _loc(LEBANON, 1, 1.0),
    ]
    event = _event(locations)
    assert _errors(event) == []
    assert list(event) == [*V1_EVENT_KEYS[:6], "focus_levels", *V1_EVENT_KEYS[6:]]
    assert event["locations"][1]["kind"] == "region"
    assert event["focus"] == {"name": "Beirut", "geonameid": 276781, "country_code": "LB"}


def test_old_shaped_events_without_the_new_fields_still_validate() -> None:
    event = _event([_loc(BEIRUT, 2), _loc(LEBANON, 1), _loc(ASIA, 1)])
    old = copy.deepcopy(event)
    del old["focus_levels"]
    for loc in old["locations"]:
        for key in ("confidence", "feature_code", "admin2"):
            del loc[key]
    assert list(old) == V1_EVENT_KEYS
    assert all(list(loc) == V1_LOCATION_KEYS for loc in old["locations"])
    assert _errors(old) == []
    # What an old producer wrote is what the new one writes, with keys only added.
    for before, after in zip(old["locations"], event["locations"], strict=True):
        assert {k: after[k] for k in before} == before


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("locations", 0, "confidence"), 1.5),
        (("locations", 0, "confidence"), -0.1),
        (("locations", 0, "kind"), "admin2"),
        (("locations", 0, "feature_code"), 7),
        (("locations", 0, "admin2"), 31),
        (("focus_levels", "cities"), [{"name": "Beirut", "geonameid": 276781, "country_code": "LB"}]),
        (("focus_levels", "countries"), [{"name": "X", "geonameid": 1, "country_code": None, "score": 1}]),
        (("focus_levels", "countries"), [{"name": "X", "geonameid": 1, "country_code": "LB", "score": 0}]),
        (("focus_levels", "towns"), []),
    ],
)
def test_the_schema_rejects_malformed_new_fields(path: tuple[str | int, ...], value: object) -> None:
    event = _event([_loc(BEIRUT, 2), _loc(LEBANON, 1)])
    target: Any = event
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert _errors(event), f"{path} = {value!r} should not validate"


def test_focus_levels_beirut_tripoli_lebanon_paris() -> None:
    # Beirut twice, Tripoli (LB) once, Lebanon once, Paris once, in that reading order.
    locations = [_loc(BEIRUT, 2), _loc(TRIPOLI, 1), _loc(LEBANON, 1), _loc(PARIS, 1)]
    levels = focus_levels(locations)
    assert levels["countries"] == [{"name": "Lebanon", "geonameid": 272103, "country_code": "LB", "score": 4}]
    assert levels["cities"] == [{"name": "Beirut", "geonameid": 276781, "country_code": "LB", "score": 2}]
    assert levels["regions"] == [], "no division is named; implied ones are not listed"
    assert focus_of(locations) == {"name": "Beirut", "geonameid": 276781, "country_code": "LB"}


def test_focus_levels_region_scores_count_the_cities_inside() -> None:
    # Beirut governorate once, Beirut (inside it) twice, Tripoli (another governorate) once.
    levels = focus_levels([_loc(BEIRUT_GOV, 1), _loc(BEIRUT, 2), _loc(TRIPOLI, 1)])
    assert [(r["name"], r["score"]) for r in levels["regions"]] == [("Beyrouth", 3)]
    assert levels["countries"] == []


def test_focus_levels_admin2_counts_only_cities_with_its_admin2() -> None:
    locations = [_loc(ILLINOIS, 1), _loc(COOK, 1), _loc(CHICAGO, 1), _loc(EVANSTON, 1)]
    levels = focus_levels(locations)
    # Illinois: 1 + Chicago + Evanston = 3; Cook County: 1 + Chicago = 2 (Evanston's admin2 unknown).
    assert [(r["name"], r["score"]) for r in levels["regions"]] == [("Illinois", 3), ("Cook County", 2)]
    assert [c["name"] for c in levels["cities"]] == ["Chicago", "Evanston"], "equal scores: reading order"


def test_focus_levels_rank_by_score_then_first_mention_and_cut_at_half_the_top() -> None:
    baghdad = _place(98182, "Baghdad", "city", "IQ", "07")
    locations = [_loc(TRIPOLI, 2), _loc(PARIS, 3), _loc(baghdad, 1), _loc(BEIRUT, 2)]
    levels = focus_levels(locations)
    # Top 3: 2 is more than half of it and stays, 1 is not; Tripoli before Beirut (named first).
    scored = [(c["name"], c["score"]) for c in levels["cities"]]
    assert scored == [("Paris", 3), ("Tripoli", 2), ("Beirut", 2)]
    france = _place(3017382, "France", "country", "FR", "00")
    iraq = _place(99237, "Iraq", "country", "IQ", "00")
    levels = focus_levels([*locations, _loc(iraq, 1), _loc(france, 1), _loc(LEBANON, 1)])
    # FR 1+3 = 4, LB 1+2+2 = 5, IQ 1+1 = 2 (not more than half of 5).
    assert [(c["country_code"], c["score"]) for c in levels["countries"]] == [("LB", 5), ("FR", 4)]


def test_continents_and_multi_country_regions_are_in_no_level() -> None:
    levels = focus_levels([_loc(ASIA, 5), _loc(MIDDLE_EAST, 4), _loc(LEBANON, 1)])
    assert levels == {"cities": [], "regions": [], "countries": [{**_ref(LEBANON), "score": 1}]}
    assert focus_levels([_loc(ASIA, 5), _loc(MIDDLE_EAST, 4)]) == NO_LEVELS


def test_empty_locations_give_empty_levels() -> None:
    assert focus_levels([]) == NO_LEVELS
    event = _event([])
    assert event["focus"] is None
    assert event["focus_levels"] == NO_LEVELS
    assert _errors(event) == []


def test_focus_of_places_admin2_between_city_and_admin1() -> None:
    # Equal mentions: city beats admin2 beats admin1 beats country, as before for the old kinds.
    assert (focus_of([_loc(ILLINOIS, 2), _loc(COOK, 2)]) or {})["name"] == "Cook County"
    assert (focus_of([_loc(COOK, 2), _loc(CHICAGO, 2)]) or {})["name"] == "Chicago"
    us = _place(6252001, "United States", "country", "US", "00")
    assert (focus_of([_loc(us, 2), _loc(COOK, 2)]) or {})["name"] == "Cook County"
    assert (focus_of([_loc(us, 2), _loc(ILLINOIS, 2)]) or {})["name"] == "Illinois"
    assert (focus_of([_loc(MIDDLE_EAST, 3), _loc(COOK, 1)]) or {})["name"] == "Cook County"


def _ref(place: Place) -> dict[str, Any]:
    return {"name": place.name, "geonameid": place.geonameid, "country_code": place.country_code}
