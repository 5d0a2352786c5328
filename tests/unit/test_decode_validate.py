from __future__ import annotations

import orjson
import pytest

from workers.pipeline.decode import decode
from workers.pipeline.errors import Rejected
from workers.pipeline.validate import Validator


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
        Validator(max_body_chars=100)(obj)
    assert info.value.reason == reason
    assert needle in info.value.detail


def test_validate_builds_article_and_ignores_unknown_keys() -> None:
    article = Validator()(
        {"id": "a1", "body": "Body", "title": "T", "lang": "ar-QA", "source": "s", "extra": {"x": 1}}
    )
    assert article.id == "a1"
    assert article.title == "T"
    assert article.lang_hint == "ar-QA"
    assert article.text_of("title") == "T"
    assert article.text_of("body") == "Body"
