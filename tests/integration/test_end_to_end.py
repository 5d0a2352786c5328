"""End to end on the real embedded broker, published and read by an independent client (confluent-kafka)."""

from __future__ import annotations

import orjson
import pytest

from tests.conftest import Topics, WorkerProcess
from tests.geo import CITY_CENTRES, km_between
from tests.kafka_io import publish, read_topic
from workers.broker import EmbeddedBroker
from workers.contract import ENRICHED_EVENT, validator

pytestmark = pytest.mark.broker

ARABIC_ID = "e2e-ar-1"
ARABIC_BODY = (
    "التقى وزراء الخارجية في الدوحة يوم الأحد، ثم توجه الوفد إلى الرياض لاستكمال المشاورات. "
    "وقال مسؤول في تل أبيب إن الاتصالات مستمرة، فيما أعلنت لندن دعمها لجهود الوساطة."
)
EXPECTED = {
    "Doha": ("QA", "الدوحة"),
    "Riyadh": ("SA", "الرياض"),
    "Tel Aviv": ("IL", "تل أبيب"),
    "London": ("GB", "لندن"),
}
NOT_JSON = b"{this is not json"
NO_BODY = orjson.dumps({"id": "e2e-no-body", "title": "missing body"})
ENGLISH = orjson.dumps(
    {"id": "e2e-en-after", "body": "Talks resumed in Doha after a pause, officials in London said."}
)


def test_arabic_article_enriched_and_bad_records_dead_lettered(
    broker: EmbeddedBroker, topics: Topics, worker: WorkerProcess
) -> None:
    arabic = orjson.dumps({"id": ARABIC_ID, "body": ARABIC_BODY, "source": "e2e", "lang": "ar"})
    publish(
        broker.bootstrap,
        topics.input,
        [
            (ARABIC_ID.encode(), arabic),
            (None, NOT_JSON),
            (b"e2e-no-body", NO_BODY),
            (b"e2e-en-after", ENGLISH),
        ],
    )

    enriched = read_topic(broker.bootstrap, topics.output, expected=2, linger=2)
    dead = read_topic(broker.bootstrap, topics.dlq, expected=2, linger=2)
    assert len(enriched) == 2, worker.log_text()[-3000:]
    assert len(dead) == 2, worker.log_text()[-3000:]

    events = {orjson.loads(m.value())["id"]: (m.key(), orjson.loads(m.value())) for m in enriched}
    assert set(events) == {ARABIC_ID, "e2e-en-after"}, (
        "the good article after two bad ones must be enriched too"
    )
    key, event = events[ARABIC_ID]
    assert key == ARABIC_ID.encode()
    assert event["language"]["code"] == "ar"
    by_name = {loc["name"]: loc for loc in event["locations"]}
    for name, (country, arabic_word) in EXPECTED.items():
        assert name in by_name, f"{name} missing from {sorted(by_name)}"
        loc = by_name[name]
        assert loc["country_code"] == country
        assert km_between((loc["lat"], loc["lon"]), CITY_CENTRES[name]) <= 25
        for mention in loc["mentions"]:
            assert mention["field"] == "body"
            assert ARABIC_BODY[mention["start"] : mention["end"]] == mention["text"]
        assert arabic_word in {m["text"] for m in loc["mentions"]}

    schema = validator(ENRICHED_EVENT)
    for _, ev in events.values():
        errors = sorted(schema.iter_errors(ev), key=str)
        assert not errors, errors[0].message

    letters = {m.value(): dict(m.headers() or []) for m in dead}
    assert set(letters) == {NOT_JSON, NO_BODY}, "dead letters must keep the original bytes"
    assert letters[NOT_JSON]["khabar-reason"] == b"not_json"
    assert letters[NO_BODY]["khabar-reason"] == b"schema_violation"
    assert b"body" in letters[NO_BODY]["khabar-error"]
    assert letters[NOT_JSON]["khabar-source-topic"] == topics.input.encode()
