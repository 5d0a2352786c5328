"""One answer for places: the tagger's entities against the gazetteer's resolved places."""

from __future__ import annotations

import pytest

from workers.core.records import Article, Entity, Location, Place, Span
from workers.gazetteer import Gazetteer
from workers.pipeline.agreement import CONFIDENT, agree, place_stands
from workers.pipeline.locations import LocationStage

CITY = Place(1, "Kent", "city", "US", "WA", 47.38, -122.23, 130_000)
TOWN = Place(2, "Smalltown", "city", "US", "WA", 47.0, -122.0, 3_000)
COUNTRY = Place(3, "Jordan", "country", "JO", None, 31.0, 36.0, 10_000_000)
SURE = CONFIDENT + 0.05
UNSURE = CONFIDENT - 0.3


def span(text: str, body: str, field: str = "body") -> Span:
    start = body.index(text)
    return Span(text, start, start + len(text), field)  # type: ignore[arg-type]


BODY = "Kent made up for lost time while Jordan beat the Bank of Smalltown side in Kent County."


@pytest.mark.parametrize(
    ("entity_text", "label", "confidence", "mention_text", "place", "cued", "stands"),
    [
        # Same words: a sure team reading beats a city, never a country.
        ("Kent", "ORG", SURE, "Kent", CITY, False, False),
        ("Kent", "ORG", UNSURE, "Kent", CITY, False, True),
        ("Jordan", "PER", SURE, "Jordan", COUNTRY, False, True),
        ("Kent", "ORG", SURE, "Kent", CITY, True, True),  # words around it announce a place
        # A longer name: a minor place inside it is no place; a notable one still is.
        ("Bank of Smalltown", "ORG", SURE, "Smalltown", TOWN, False, False),
        ("Bank of Smalltown", "ORG", UNSURE, "Smalltown", TOWN, False, True),
        ("Kent County", "ORG", SURE, "Kent", CITY, False, True),
        # A LOC entity never removes a place; a published model (no confidence) keeps notable ones.
        ("Kent", "LOC", SURE, "Kent", CITY, False, True),
        ("Kent", "ORG", None, "Kent", CITY, False, True),
        ("Bank of Smalltown", "ORG", None, "Smalltown", TOWN, False, False),
    ],
)
def test_evidence_rules(
    entity_text: str,
    label: str,
    confidence: float | None,
    mention_text: str,
    place: Place,
    cued: bool,
    stands: bool,
) -> None:
    entity = Entity(span(entity_text, BODY), label, confidence)  # type: ignore[arg-type]
    mention = span(mention_text, BODY)
    assert place_stands(mention, (place,), cued, [entity]) is stands


def test_agree_relabels_adds_and_keeps_descriptors() -> None:
    body = "وصل الوفد إلى مدينة القدس ثم إلى عمان وقال خالد إن بنك الأردن يدعم"
    quds, amman, jordan = span("القدس", body), span("عمان", body), span("الأردن", body)
    places = [
        Location(Place(10, "Jerusalem", "city", "IL", "06", 31.7, 35.2, 800_000), (quds,)),
        Location(Place(11, "Amman", "city", "JO", "16", 31.9, 35.9, 1_200_000), (amman,)),
        Location(COUNTRY, (jordan,)),
    ]
    entities = [
        Entity(span("مدينة القدس", body), "LOC", 0.99),  # keeps its descriptor
        Entity(amman, "PER", 0.5),  # lost to the place: relabelled
        Entity(span("خالد", body), "PER", 0.99),  # untouched
        Entity(span("بنك الأردن", body), "ORG", 0.97),  # a sure name holds the country inside it
    ]
    got = {(e.span.text, e.label) for e in agree(entities, places)}
    assert got == {("مدينة القدس", "LOC"), ("عمان", "LOC"), ("خالد", "PER"), ("بنك الأردن", "ORG")}


def test_agree_adds_what_the_tagger_missed_in_order() -> None:
    body = "Talks in Doha and Riyadh."
    doha, riyadh = span("Doha", body), span("Riyadh", body)
    title = Span("Doha", 0, 4, "title")
    places = [
        Location(Place(290030, "Doha", "city", "QA", "01", 25.3, 51.5, 344_939), (title, doha)),
        Location(Place(108410, "Riyadh", "city", "SA", "10", 24.7, 46.7, 4_205_961), (riyadh,)),
    ]
    got = agree([Entity(riyadh, "LOC", 0.99)], places)
    assert [(e.span.field, e.span.text, e.label) for e in got] == [
        ("title", "Doha", "LOC"),
        ("body", "Doha", "LOC"),
        ("body", "Riyadh", "LOC"),
    ]
    assert agree([Entity(riyadh, "ORG", 0.99)], []) == (Entity(riyadh, "ORG", 0.99),)


@pytest.fixture(scope="module")
def stage() -> LocationStage:
    return LocationStage(Gazetteer.load())


def test_stage_and_agreement_say_one_thing(stage: LocationStage) -> None:
    body = "Surrey captain Chris Lewis hit 80 against Kent in Canterbury, England."
    article = Article(id="x", body=body)
    entities = [
        Entity(span("Surrey", body), "ORG", 0.99),
        Entity(span("Chris Lewis", body), "PER", 0.99),
        Entity(span("Kent", body), "ORG", 0.98),
        Entity(span("Canterbury", body), "LOC", 0.95),
    ]
    locations = stage.process(article, entities)
    names = {m.text for loc in locations for m in loc.mentions}
    assert "Kent" not in names and "Surrey" not in names  # sure team readings
    assert {"Canterbury", "England"} <= names
    final = agree(entities, locations)
    labels = {e.span.text: e.label for e in final}
    assert labels["Kent"] == "ORG" and labels["Surrey"] == "ORG" and labels["England"] == "LOC"
    for loc in locations:
        for mention in loc.mentions:
            assert any(
                e.label == "LOC" and e.span.start <= mention.start < mention.end <= e.span.end for e in final
            )


def test_added_entities_are_whole_tokens_but_mentions_stay_names() -> None:
    body = "ضرب تسونامي بإندونيسيا وقال مسؤول #انفجار_بيروت في Moscow's office"
    indonesia, beirut, moscow = span("إندونيسيا", body), span("بيروت", body), span("Moscow", body)
    places = [
        Location(Place(1643084, "Indonesia", "country", "ID", None, -5.0, 120.0, 1), (indonesia,)),
        Location(Place(276781, "Beirut", "city", "LB", "04", 33.9, 35.5, 1_916_100), (beirut,)),
        Location(Place(524901, "Moscow", "city", "RU", "48", 55.8, 37.6, 10_381_222), (moscow,)),
    ]
    got = [(e.span.text, e.span.start) for e in agree([], places, Article(id="a", body=body))]
    assert got == [
        ("بإندونيسيا", indonesia.start - 1),  # the glued preposition comes with its token
        ("بيروت", beirut.start),  # a hashtag is not widened
        ("Moscow", moscow.start),  # the tokenizer splits 's off
    ]
    assert [(e.span.text) for e in agree([], places)] == ["إندونيسيا", "بيروت", "Moscow"]


@pytest.mark.parametrize(
    ("text", "name", "cued"),
    [
        ("visiting her father in Salisbury when", "Salisbury", True),
        ("Tawfik, from Kilburn, was", "Kilburn", True),
        ("ATLANTA (AP) — An aide", "ATLANTA", True),
        ("وصل الوفد في نابلس", "نابلس", True),
        ("صور من مدينة الخليل", "الخليل", True),
        ("Liverpool won the game", "Liverpool", False),
        ("the Des Moines metro", "Des Moines", False),
        ("Hanoi (VNA) – Vietnam always", "Hanoi", True),  # a dateline in ordinary case
        ("damaged after the #Italyearthquake in #Amatrice", "Amatrice", True),
        ("the Atlanta (AP) report", "Atlanta", False),  # not where a dateline stands
        ("Atlanta (and Miami) said", "Atlanta", False),  # no agency in the brackets
        ("the English city of Salisbury, which", "Salisbury", True),
        ("the mayor of Salisbury said", "Salisbury", False),
    ],
)
def test_place_cues(text: str, name: str, cued: bool) -> None:
    from workers.gazetteer.matcher import place_cue

    start = text.index(name)
    assert place_cue(text, start, start + len(name)) is cued


def test_a_name_coordinated_with_a_standing_place_stands(stage: LocationStage) -> None:
    body = "Teams are on the ground in Victoria, Corpus Christi and Houston today."
    article = Article(id="x", body=body)
    entities = [Entity(span("Corpus Christi", body), "PER", 0.99)]
    names = {m.text for loc in stage.process(article, entities) for m in loc.mentions}
    assert {"Victoria", "Corpus Christi", "Houston"} <= names
    alone = "Corpus Christi said on Monday that the storm had passed."
    lone = [Entity(span("Corpus Christi", alone), "PER", 0.99)]
    assert not [
        loc for loc in stage.process(Article(id="y", body=alone), lone) if loc.place.name == "Corpus Christi"
    ]
