from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.contract import RAW_ARTICLE, load_schema, validator
from workers.core.errors import Rejected
from workers.pipeline.decode import decode
from workers.pipeline.validate import Validator, _fast_check, _fast_rules


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"{not json", "not_json"),
        (b"", "not_json"),
        (None, "not_json"),
        (b"\xff\xfe{}", "invalid_utf8"),
        (b"[1, 2]", "not_an_object"),
        (b'"a string"', "not_an_object"),
    ],
)
def test_decode_rejects_with_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(Rejected) as info:
        decode(value)
    assert info.value.reason == reason
    assert info.value.stage == "decode"


def test_decode_returns_object() -> None:
    assert decode(orjson.dumps({"id": "a", "body": "نص"})) == {"id": "a", "body": "نص"}


@pytest.mark.parametrize(
    ("obj", "reason", "needle"),
    [
        ({"body": "text"}, "schema_violation", "'id' is a required property"),
        ({"id": "a"}, "schema_violation", "'body' is a required property"),
        ({"id": 7, "body": "text"}, "schema_violation", "id"),
        ({"id": "a", "body": ["x"]}, "schema_violation", "body"),
        ({"id": "a", "body": ""}, "schema_violation", "body"),
        ({"id": "", "body": "x"}, "schema_violation", "id"),
        ({"id": "a", "body": "text", "title": 3}, "schema_violation", "title"),
        ({"id": "a", "body": " \n\t "}, "empty_body", "no visible text"),
        ({"id": "a", "body": "x" * 101}, "body_too_large", "101"),
    ],
)
def test_validate_rejects_with_reason(obj: dict[str, object], reason: str, needle: str) -> None:
    with pytest.raises(Rejected) as info:
        Validator(max_body_chars=100).process(obj)
    assert info.value.reason == reason
    assert needle in info.value.detail


def test_validate_builds_article_and_ignores_unknown_keys() -> None:
    article = Validator().process(
        {"id": "a1", "body": "Body", "title": "T", "lang": "ar-QA", "source": "s", "extra": {"x": 1}}
    )
    assert article.id == "a1"
    assert article.title == "T"
    assert article.lang_hint == "ar-QA"
    assert article.text_of("title") == "T"
    assert article.text_of("body") == "Body"


# --- the plain fast check accepts exactly what the schema accepts ------------------------------

_LENGTHS = [0, 1, 2, 34, 35, 36, 63, 64, 65, 511, 512, 513, 1999, 2000, 2001, 8192, 8193]
_FIELDS = ["id", "body", "title", "url", "source", "published_at", "lang", "extra"]


def _string(length: int, char: str) -> str:
    return char * length


_VALUES = st.one_of(
    st.builds(_string, st.sampled_from(_LENGTHS), st.sampled_from(["x", "\U0001f600", "e\u0301", " "])),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(_FIELDS), _VALUES))
def test_fast_check_accepts_exactly_what_the_schema_accepts(doc: dict[str, object]) -> None:
    rules = _fast_rules(load_schema(RAW_ARTICLE))
    assert rules is not None
    assert _fast_check(doc, rules) == validator(RAW_ARTICLE).is_valid(doc)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_FIELDS), _VALUES))
def test_validator_outcome_does_not_depend_on_the_fast_path(doc: dict[str, object]) -> None:
    fast, slow = Validator(), Validator()
    slow._fast = None  # jsonschema for every document, as before the fast path

    def outcome(v: Validator) -> object:
        try:
            return v.process(doc)
        except Rejected as rej:
            return (rej.reason, rej.detail, rej.stage)

    assert outcome(fast) == outcome(slow)


def test_fast_check_steps_aside_for_a_schema_it_does_not_know() -> None:
    schema = dict(load_schema(RAW_ARTICLE))
    assert _fast_rules(schema) is not None
    assert _fast_rules({**schema, "additionalProperties": False}) is None
    props = dict(schema["properties"])
    props["id"] = {**props["id"], "pattern": "^a"}
    assert _fast_rules({**schema, "properties": props}) is None
