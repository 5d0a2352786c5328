"""The whole pipeline on literal bytes: no Kafka, the real gazetteer and language model."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.contract import ENRICHED_EVENT, validator
from workers.core.records import Article, Entity, LanguageTag, Location, Place, PlaceKind, Span
from workers.pipeline.assemble import focus_of
from workers.pipeline.entities import EntityStage
from workers.pipeline.runner import DeadLetter, Enriched, Pipeline
from workers.pipeline.stage import check_stages

ARABIC = {
    "id": "p-ar",
    "title": "محادثات في الدوحة",
    "body": "وصل الوفد إلى الدوحة ثم الرياض، وقال مسؤول في تل أبيب إن لندن تدعم الوساطة بشأن غزة.",
    "source": "unit",
    "lang": "ar",
}


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.default(max_body_chars=10_000)


def test_enriched_event_validates_and_offsets_land_on_the_text(pipeline: Pipeline) -> None:
    outcome = pipeline.process(orjson.dumps(ARABIC))
    assert isinstance(outcome, Enriched), outcome
    event = outcome.event
    assert outcome.key == b"p-ar"
    assert orjson.loads(outcome.value) == event
    assert not list(validator(ENRICHED_EVENT).iter_errors(event))
    assert event["language"]["code"] == "ar"
    assert event["source"]["title"] == ARABIC["title"]
    names = {loc["name"] for loc in event["locations"]}
    assert {"Doha", "Riyadh", "Tel Aviv", "London", "Gaza"} <= names
    for loc in event["locations"]:
        for m in loc["mentions"]:
            text = ARABIC[m["field"]]
            assert text[m["start"] : m["end"]] == m["text"]
    # Doha is named twice (title and body), every other place once.
    assert event["focus"]["name"] == "Doha"
    assert set(event["processing"]["models"]) == {"language", "entities", "locations"}


@pytest.mark.parametrize(
    ("value", "reason", "stage"),
    [
        (b"\x00\x01", "not_json", "decode"),
        (b"{}", "schema_violation", "validate"),
        (orjson.dumps({"id": "x", "body": "y" * 10_001}), "body_too_large", "validate"),
    ],
)
def test_bad_records_become_dead_letters(pipeline: Pipeline, value: bytes, reason: str, stage: str) -> None:
    outcome = pipeline.process(value)
    assert isinstance(outcome, DeadLetter)
    assert (outcome.reason, outcome.stage) == (reason, stage)
    assert outcome.error_type == reason


class ExplodingTagger:
    model_version = "boom 1"

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        raise RuntimeError("model crashed")


def test_a_failing_stage_dead_letters_the_article_and_names_the_stage() -> None:
    pipeline = Pipeline.default(tagger=ExplodingTagger())
    outcome = pipeline.process(orjson.dumps(ARABIC))
    assert isinstance(outcome, DeadLetter)
    assert outcome.reason == "stage_error"
    assert outcome.stage == "entities"
    assert outcome.article_id == "p-ar"
    assert "RuntimeError: model crashed" in outcome.detail
    assert outcome.error_type == "RuntimeError"


class FixedTagger:
    model_version = "fixed 1"

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        start = article.body.index("الوفد")
        return (Entity(Span("الوفد", start, start + 5, "body"), "ORG"),)


def test_entities_from_a_tagger_reach_the_event() -> None:
    outcome = Pipeline.default(tagger=FixedTagger()).process(orjson.dumps(ARABIC))
    assert isinstance(outcome, Enriched)
    start = ARABIC["body"].index("الوفد")
    assert start > 0
    entities = outcome.event["entities"]
    assert {"text": "الوفد", "start": start, "end": start + 5, "field": "body", "label": "ORG"} in entities
    # The resolved places are LOC entities too (workers.pipeline.agreement), whole tokens.
    places = {(m["field"], m["start"]) for loc in outcome.event["locations"] for m in loc["mentions"]}
    located = {(e["field"], e["start"], e["end"]) for e in entities if e["label"] == "LOC"}
    assert places and all(any(f == lf and s <= st < le for lf, s, le in located) for f, st in places)
    assert outcome.event["processing"]["models"]["entities"] == "fixed 1"


def test_stage_order_is_checked_when_the_pipeline_is_built(pipeline: Pipeline) -> None:
    with pytest.raises(ValueError, match="provided by no earlier stage"):
        check_stages([EntityStage()])
    stages = list(pipeline.stages)
    with pytest.raises(ValueError, match="must provide 'enriched'"):
        Pipeline(stages[:-1])
    with pytest.raises(ValueError, match="already provided earlier"):
        Pipeline([*stages[:3], stages[2], *stages[3:]])


class _ReadsWhatItDoesNotDeclare:
    """Declares it needs the article, but its process() takes the language too."""

    name = "locations"
    requires = ("article",)
    provides = "locations"
    finishing = False
    model_version = ""

    def process(self, article: object, language: object) -> tuple[()]:
        return ()


def test_a_declaration_must_match_what_process_receives(pipeline: Pipeline) -> None:
    # The runner passes a stage exactly the fields it declares, so a stage that takes more (or
    # other) arguments than it declares is refused when the pipeline is built, not per article.
    with pytest.raises(
        ValueError, match=r"declares it requires \['article'\].*takes \['article', 'language'\]"
    ):
        pipeline.replacing(_ReadsWhatItDoesNotDeclare())
    # Every shipped stage's declaration holds, and the places stage no longer claims the language.
    check_stages(pipeline.stages)
    assert pipeline.stage("locations").requires == ("article", "entities")


def test_observer_sees_every_stage(pipeline: Pipeline) -> None:
    seen: list[str] = []
    observed = Pipeline(pipeline.stages, observer=lambda s, _: seen.append(s))
    assert isinstance(observed.process(orjson.dumps(ARABIC)), Enriched)
    assert seen == ["decode", "validate", "language", "entities", "locations", "assemble"]


def test_processed_at_is_utc_rfc3339(pipeline: Pipeline) -> None:
    outcome = pipeline.process(orjson.dumps(ARABIC))
    assert isinstance(outcome, Enriched)
    stamp = outcome.event["processing"]["processed_at"]
    assert stamp.endswith("Z")
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    assert abs((datetime.now(UTC) - parsed).total_seconds()) < 60


text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "Z", "S", "Cc")), max_size=300
)
place_words = st.sampled_from(["الدوحة", "بالرياض", "ولندن", "تل أبيب", "London", "Tel Aviv", "Gaza", "غزة"])


@given(
    article_id=st.text(min_size=1, max_size=40),
    parts=st.lists(st.one_of(text, place_words), min_size=1, max_size=12),
    title=st.none() | text,
    hint=st.none() | st.sampled_from(["ar", "en", "fr-CA", "xx", ""]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_article_gives_a_valid_event_or_a_dead_letter(
    pipeline: Pipeline, article_id: str, parts: list[str], title: str | None, hint: str | None
) -> None:
    body = " ".join(parts)
    outcome = pipeline.process(orjson.dumps({"id": article_id, "body": body, "title": title, "lang": hint}))
    if isinstance(outcome, DeadLetter):
        assert outcome.reason in {"empty_body", "schema_violation"}, outcome
        assert outcome.stage == "validate"
        return
    assert not list(validator(ENRICHED_EVENT).iter_errors(outcome.event))
    fields = {"body": body, "title": title or ""}
    for loc in outcome.event["locations"]:
        for m in loc["mentions"]:
            assert fields[m["field"]][m["start"] : m["end"]] == m["text"]


def _loc(name: str, kind: PlaceKind, mentions: int, gid: int) -> Location:
    place = Place(geonameid=gid, name=name, kind=kind, country_code=None, admin1=None, lat=0.0, lon=0.0)
    return Location(place, tuple(Span("x", i, i + 1, "body") for i in range(mentions)))


def test_focus_is_the_most_mentioned_precise_place() -> None:
    europe, qatar, doha = (
        _loc("Europe", "continent", 5, 1),
        _loc("Qatar", "country", 2, 2),
        _loc("Doha", "city", 2, 3),
    )
    focus = focus_of([europe, qatar, doha])
    assert focus is not None
    assert focus["name"] == "Doha", "ties go to the more specific place; continents only as a last resort"
    assert focus_of([europe]) == {"name": "Europe", "geonameid": 1, "country_code": None}
    assert focus_of([]) is None
    qatar3 = _loc("Qatar", "country", 3, 2)
    assert (focus_of([doha, qatar3]) or {})["name"] == "Qatar"
