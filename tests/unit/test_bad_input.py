"""Bad input never hurts: every kind of broken record becomes a dead letter with an exact reason
and stage, or is enriched where it is valid, and the pipeline goes on enriching good articles.

Nothing here loads Stanza: the entities slot holds a small tagger that fails on a marker word,
and the real Stanza tagger's failure path is driven with a stand-in for the Stanza call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, get_args

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.contract import ENRICHED_EVENT, validator
from workers.core.errors import Reason
from workers.core.records import Article, Entity, LanguageTag, Span
from workers.ner.tagger import StanzaEntityTagger, _LoadedPipeline
from workers.pipeline.entities import EntityStage
from workers.pipeline.runner import DeadLetter, Enriched, Outcome, Pipeline

STAGES = {"decode", "validate", "language", "entities", "locations", "assemble"}
MAX_RECORD_BYTES = 64 * 1024
MAX_BODY_CHARS = 10_000
BOOM = "KABOOM"


class MarkerTagger:
    """Tags the first "Doha" of each field as LOC; raises on articles holding ``BOOM``."""

    model_version = "marker 1"

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        if BOOM in article.body:
            raise RuntimeError("the model fell over")
        found = []
        for field in ("title", "body"):
            text = article.text_of(field)
            at = text.find("Doha")
            if at >= 0:
                found.append(Entity(Span("Doha", at, at + 4, field), "LOC"))
        return tuple(found)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.default(
        max_body_chars=MAX_BODY_CHARS, max_record_bytes=MAX_RECORD_BYTES, tagger=MarkerTagger()
    )


@pytest.fixture(scope="module")
def plain() -> Pipeline:
    """The default pipeline without NER: fast enough for hundreds of generated records."""
    return Pipeline.default()


def record(**fields: Any) -> bytes:
    """A record value as a producer might write it (stdlib JSON: big integers allowed)."""
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


GOOD = record(id="good", title="Talks in Doha", body="The delegation flew from Doha to Riyadh on Monday.")


def assert_valid_event(outcome: Outcome, value: bytes) -> dict[str, Any]:
    """An enriched event that validates, keyed by the id, with every offset on the raw text."""
    assert isinstance(outcome, Enriched), outcome
    sent = orjson.loads(value)
    event = outcome.event
    assert not list(validator(ENRICHED_EVENT).iter_errors(event))
    assert outcome.key == sent["id"].encode("utf-8")
    assert orjson.loads(outcome.value) == event
    texts = {"title": sent.get("title") or "", "body": sent["body"]}
    spans = [*event["entities"], *(m for loc in event["locations"] for m in loc["mentions"])]
    for span in spans:
        assert texts[span["field"]][span["start"] : span["end"]] == span["text"], span
    return event


# (name, record value, reason, stage): every kind of bad input the worker is promised.
BAD: list[tuple[str, bytes | None, Reason, str]] = [
    ("tombstone", None, "not_json", "decode"),
    ("empty value", b"", "not_json", "decode"),
    ("not json", b"{not json", "not_json", "decode"),
    ("binary", b"\x00\x01\x02", "not_json", "decode"),
    ("trailing garbage", GOOD + b" x", "not_json", "decode"),
    ("two documents", GOOD + b"\n" + GOOD, "not_json", "decode"),
    ("utf-8 bom", b"\xef\xbb\xbf" + GOOD, "not_json", "decode"),
    ("NaN", b'{"id": "n", "body": NaN}', "not_json", "decode"),
    ("lone high surrogate escape", b'{"id": "s", "body": "x \\ud800 y"}', "not_json", "decode"),
    ("lone low surrogate escape", b'{"id": "s", "body": "\\udc00"}', "not_json", "decode"),
    (
        "nesting past orjson's limit",
        b'{"id": "d", "body": "x", "extra": ' + nested(5_000) + b"}",
        "not_json",
        "decode",
    ),
    ("only nesting", nested(20_000), "not_json", "decode"),
    ("invalid utf-8", b'{"id": "u", "body": "caf\xe9"}', "invalid_utf8", "decode"),
    ("encoded surrogate", b'{"id": "u", "body": "\xed\xa0\x80"}', "invalid_utf8", "decode"),
    ("latin-1 record", '{"id": "l", "body": "Zürich"}'.encode("latin-1"), "invalid_utf8", "decode"),
    ("array", b'[{"id": "a", "body": "x"}]', "not_an_object", "decode"),
    ("string", b'"an article"', "not_an_object", "decode"),
    ("number", b"42", "not_an_object", "decode"),
    ("null", b"null", "not_an_object", "decode"),
    ("boolean", b"true", "not_an_object", "decode"),
    ("record over the byte cap", record(id="big", body="x" * MAX_RECORD_BYTES), "record_too_large", "decode"),
    ("missing id", record(body="text"), "schema_violation", "validate"),
    ("missing body", record(id="a"), "schema_violation", "validate"),
    ("empty object", b"{}", "schema_violation", "validate"),
    ("empty id", record(id="", body="text"), "schema_violation", "validate"),
    ("empty body", record(id="a", body=""), "schema_violation", "validate"),
    ("id as number", record(id=7, body="text"), "schema_violation", "validate"),
    ("id as null", record(id=None, body="text"), "schema_violation", "validate"),
    ("id too long", record(id="i" * 513, body="text"), "schema_violation", "validate"),
    ("body as list", record(id="a", body=["x"]), "schema_violation", "validate"),
    ("body as object", record(id="a", body={"text": "x"}), "schema_violation", "validate"),
    ("body as number", record(id="a", body=1.5), "schema_violation", "validate"),
    ("body as boolean", record(id="a", body=True), "schema_violation", "validate"),
    ("title as object", record(id="a", body="x", title={"t": 1}), "schema_violation", "validate"),
    ("title as number", record(id="a", body="x", title=3), "schema_violation", "validate"),
    (
        "title over 2000 characters",
        record(id="a", body="x", title="t" * 2001),
        "schema_violation",
        "validate",
    ),
    ("lang as list", record(id="a", body="x", lang=["ar"]), "schema_violation", "validate"),
    ("url as number", record(id="a", body="x", url=1), "schema_violation", "validate"),
    # Nested just under orjson's limit: parsed, and must not overflow the stack when reported.
    ("deep body", b'{"id": "d", "body": ' + nested(1_022) + b"}", "schema_violation", "validate"),
    (
        "deep title",
        b'{"id": "d", "body": "x", "title": ' + b'{"a": ' * 1_022 + b"1" + b"}" * 1_023,
        "schema_violation",
        "validate",
    ),
    ("deep id", b'{"id": ' + nested(1_022) + b', "body": "x"}', "schema_violation", "validate"),
    ("whitespace body", record(id="a", body=" \n\t\r\u00a0\u3000\u2028 "), "empty_body", "validate"),
    ("NUL body", record(id="a", body="\x00" * 50), "empty_body", "validate"),
    ("control body", record(id="a", body="\x01\x1b\x7f\x9f\n"), "empty_body", "validate"),
    (
        "invisible body",
        record(id="a", body="\u200b\u200e\u200f\ufeff\u2066\u2069\u00ad"),
        "empty_body",
        "validate",
    ),
    (
        "body over the character cap",
        record(id="a", body="y" * (MAX_BODY_CHARS + 1)),
        "body_too_large",
        "validate",
    ),
    ("a stage raises", record(id="boom", body=f"Talks in Doha. {BOOM}"), "stage_error", "entities"),
]


@pytest.mark.parametrize(("value", "reason", "stage"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_dead_lettered_with_reason_and_stage_and_good_input_goes_on(
    pipeline: Pipeline, value: bytes | None, reason: Reason, stage: str
) -> None:
    assert_valid_event(pipeline.process(GOOD), GOOD)
    outcome = pipeline.process(value)
    assert isinstance(outcome, DeadLetter), outcome
    assert (outcome.reason, outcome.stage) == (reason, stage), outcome.detail
    assert outcome.error_type == ("RuntimeError" if reason == "stage_error" else reason)
    assert len(outcome.detail) <= 500
    assert_valid_event(pipeline.process(GOOD), GOOD)


def test_the_article_id_is_kept_once_it_is_known(pipeline: Pipeline) -> None:
    empty = pipeline.process(record(id="a", body=" "))
    assert isinstance(empty, DeadLetter) and empty.article_id == "a"
    no_id = pipeline.process(record(id=7, body="x"))
    assert isinstance(no_id, DeadLetter) and no_id.article_id is None


def odd(**fields: Any) -> bytes:
    return record(id="odd", **fields)


ODD_BUT_VALID: list[tuple[str, bytes]] = [
    ("NUL and controls", odd(title="\x00Doha\x1b[0m", body="From\x00 Doha\x07 to\x0b Beirut\x7f.\x00")),
    ("NUL inside a name", odd(body="Do\x00ha and Beirut and Doha")),
    ("cyrillic", odd(title="Новости", body="Делегация прибыла в Москву и Doha.")),
    ("cjk", odd(body="北京是中国的首都。东京是日本的首都。")),
    ("devanagari", odd(body="नई दिल्ली भारत की राजधानी है।")),
    ("hebrew", odd(body="ירושלים ותל אביב")),
    ("emoji only", odd(body="🔥🔥🔥 🇶🇦 👍🏽 🏴󠁧󠁢󠁳󠁣󠁴󠁿")),
    ("rtl and bidi marks", odd(body="\u200fوصل الوفد إلى \u202bالدوحة\u202c\u200e ثم \u2067بيروت\u2069.")),
    ("combining marks only", odd(body="\u0301\u0302\u0303" * 20)),
    ("zalgo", odd(body="D̸̡̛o̷̢͝h̶̗̕a̴̛͜ a̸n̷d̶ B̸e̶i̷r̸u̷t̶ " * 10)),
    ("tatweel run", odd(body="الدوحـــــــــــــــــــة " + "ـ" * 5_000)),
    ("private use and unassigned", odd(body="\ue000\uf8ff \U000f0000 \U0010fffd Doha")),
    ("noncharacters", odd(body="\ufffe\uffff Doha \U0010ffff")),
    ("huge number and unknown keys", odd(body="Doha", extra=10**30, meta={"x": [1, 2, {"y": None}]})),
    ("deep unknown key", b'{"id": "odd", "body": "Doha", "deep": ' + nested(1_022) + b"}"),
    ("one long word", odd(body="a" * MAX_BODY_CHARS)),
    ("title at its limit", odd(title="T" * 2000, body="Doha")),
    ("null optional fields", odd(body="Doha", title=None, url=None, source=None, lang=None)),
    ("odd language hint", odd(body="Doha", lang="\u0130\u0130")),
    ("escaped NUL and surrogate pair", b'{"id": "odd", "body": "\\u0000Doha \\ud83d\\ude00"}'),
]


@pytest.mark.parametrize("value", [v for _, v in ODD_BUT_VALID], ids=[n for n, _ in ODD_BUT_VALID])
def test_odd_but_valid_articles_are_enriched(pipeline: Pipeline, value: bytes) -> None:
    event = assert_valid_event(pipeline.process(value), value)
    assert re.fullmatch("[a-z]{2,3}", event["language"]["code"])


def test_control_characters_keep_offsets_on_the_text(pipeline: Pipeline) -> None:
    value = record(id="c", title="\x00Doha", body="\x00\x01From Doha\x00 to Beirut.")
    event = assert_valid_event(pipeline.process(value), value)
    assert {loc["name"] for loc in event["locations"]} >= {"Doha", "Beirut"}
    assert {"text": "Doha", "start": 1, "end": 5, "field": "title", "label": "LOC"} in event["entities"]


def test_duplicate_ids_are_both_enriched_under_the_same_key(pipeline: Pipeline) -> None:
    first = record(id="dup", body="The delegation reached Doha.")
    second = record(id="dup", body="Another story from Beirut.")
    one, two = pipeline.process(first), pipeline.process(second)
    assert isinstance(one, Enriched) and isinstance(two, Enriched)
    assert one.key == two.key == b"dup"
    assert one.event["locations"][0]["name"] == "Doha"
    assert two.event["locations"][0]["name"] == "Beirut"


class FailingStanza:
    """Stands in for a loaded Stanza pipeline that throws on the text it is given."""

    def __call__(self, docs: Sequence[Any]) -> Any:
        raise IndexError("tensor index out of range")


def test_an_exception_inside_stanza_dead_letters_the_article_naming_entities(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    tagger = StanzaEntityTagger(languages=())
    loaded = _LoadedPipeline(spec=None, pipeline=FailingStanza(), pretokenized=False)  # type: ignore[arg-type]
    monkeypatch.setattr(tagger, "pipeline", lambda lang: loaded)
    stanza_pipeline = pipeline.replacing(EntityStage(tagger))
    outcome = stanza_pipeline.process(GOOD)
    assert isinstance(outcome, DeadLetter), outcome
    assert (outcome.reason, outcome.stage, outcome.error_type) == ("stage_error", "entities", "IndexError")
    assert outcome.article_id == "good"
    assert not loaded.lock.locked()


# -- properties: any bytes, any JSON ------------------------------------------------------------

#: Every character, lone surrogates and controls included (json.dumps escapes what it must).
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=60)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)
place_words = st.sampled_from(["Doha", "الدوحة", "Beirut", "بيروت", "Paris, Texas", "#Gaza", "London"])
article_text = st.lists(st.one_of(any_text, place_words), max_size=8).map(" ".join)
article_like = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(any_char, min_size=1, max_size=20), json_values),
        "body": article_text | json_values,
    },
    optional={
        "title": st.none() | article_text | json_values,
        "lang": st.none() | st.sampled_from(["ar", "en", "ar-QA", "xx", ""]) | any_text,
        "url": st.none() | any_text,
        "extra": json_values,
    },
)


@st.composite
def encoded(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> bytes:
    """A JSON encoding of a value: ASCII with escapes, or raw UTF-8 (where lone surrogates become
    bytes no UTF-8 decoder accepts)."""
    value = draw(values)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


def check_outcome(value: bytes, outcome: Outcome) -> None:
    if isinstance(outcome, DeadLetter):
        assert outcome.reason in get_args(Reason), outcome
        assert outcome.stage in STAGES, outcome
        # Without a tagger nothing may crash and nothing comes near the time budget.
        assert outcome.reason not in ("stage_error", "budget_exceeded"), outcome
        assert outcome.error_type == outcome.reason
        return
    assert_valid_event(outcome, value)


@given(value=st.binary(max_size=300) | encoded(json_values) | encoded(article_like))
@settings(max_examples=400, deadline=None)
def test_any_record_gives_a_valid_event_or_a_dead_letter_with_a_known_reason(
    plain: Pipeline, value: bytes
) -> None:
    check_outcome(value, plain.process(value))


@given(article=article_like.filter(lambda a: isinstance(a["id"], str) and isinstance(a["body"], str)))
@settings(max_examples=300, deadline=None)
def test_any_article_shaped_record_is_enriched_or_rejected_before_enrichment(
    plain: Pipeline, article: dict[str, Any]
) -> None:
    value = json.dumps(article, ensure_ascii=True).encode()
    outcome = plain.process(value)
    check_outcome(value, outcome)
    if isinstance(outcome, DeadLetter):
        assert outcome.stage in ("decode", "validate"), outcome
