"""`khabar dlq replay` and `khabar replay` as subprocesses against the real embedded broker;
records are written and read back with confluent-kafka, a client independent of khabar's."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from tests.conftest import Topics
from tests.kafka_io import PARTITIONS, read_topic
from workers.broker import EmbeddedBroker, free_port
from workers.contract import ENRICHED_EVENT, validator
from workers.core.headers import REPLAYED_FROM, REPLAYED_REASON, REPLAYED_SOURCE
from workers.core.records import Article, Entity, LanguageTag
from workers.ops.positions import Earliest, Latest
from workers.ops.replay import replay_history
from workers.pipeline.runner import Pipeline
from workers.settings import WorkerSettings

pytestmark = pytest.mark.broker

Header = tuple[str, str | bytes | None]


def khabar(
    *args: str, topics: Topics, broker: EmbeddedBroker, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "KHABAR_BROKER": broker.bootstrap,
        "KHABAR_INPUT_TOPIC": topics.input,
        "KHABAR_OUTPUT_TOPIC": topics.output,
        "KHABAR_DLQ_TOPIC": topics.dlq,
        "KHABAR_GROUP_ID": topics.group,
    }
    return subprocess.run(
        [sys.executable, "-m", "workers", *args, "--no-progress"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def produce(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes, list[Header], int | None]]
) -> None:
    """(key, value, headers, timestamp ms), one record per batch (Tansu's watermark counts batches)."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    for key, value, headers, timestamp in records:
        producer.produce(topic, key=key, value=value, headers=headers, timestamp=timestamp or 0)
        producer.flush(30)
    assert producer.flush(30) == 0


def table_row(output: str, first: str) -> list[str]:
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] == first:
            return cells[1:]
    raise AssertionError(f"no row {first!r} in:\n{output}")


# --- khabar dlq replay ----------------------------------------------------------------------


def dead_letter(reason: str | None, source_offset: int) -> list[Header]:
    headers: list[Header] = [
        ("khabar-stage", b"decode"),
        ("khabar-source-topic", b"articles.raw"),
        ("khabar-source-partition", b"0"),
        ("khabar-source-offset", str(source_offset).encode()),
    ]
    return [("khabar-reason", reason.encode()), *headers] if reason else headers


DEAD = [
    (b"nj-1", b"{not json 1", "not_json"),
    (None, b"{not json 2", "not_json"),
    (b"sv-1", orjson.dumps({"id": "sv-1", "title": "no body"}), "schema_violation"),
    (b"nj-3", b"{not json 3", "not_json"),
    (b"eb-1", orjson.dumps({"id": "eb-1", "body": " "}), "empty_body"),
    (b"x-1", b"written by something else", None),
]


def test_dlq_replay_republishes_only_the_selected_reasons(broker: EmbeddedBroker, topics: Topics) -> None:
    produce(
        broker.bootstrap,
        topics.dlq,
        [(key, value, dead_letter(reason, i), None) for i, (key, value, reason) in enumerate(DEAD)],
    )
    where = {
        m.value(): (m.partition(), m.offset()) for m in read_topic(broker.bootstrap, topics.dlq, len(DEAD))
    }
    assert len(where) == len(DEAD)

    dry = khabar("dlq", "replay", "--reason", "not_json", "--dry-run", topics=topics, broker=broker)
    assert dry.returncode == 0, dry.stderr
    assert table_row(dry.stdout, "not_json") == ["3", "3", "0", "0"]
    assert "would re-publish (dry run) 3 of 6" in dry.stdout
    assert read_topic(broker.bootstrap, topics.input, expected=1, timeout=3) == [], (
        "a dry run publishes nothing"
    )

    result = khabar("dlq", "replay", "--reason", "not_json", topics=topics, broker=broker)
    assert result.returncode == 0, result.stderr
    # reason: read selected skipped published
    assert table_row(result.stdout, "not_json") == ["3", "3", "0", "3"]
    assert table_row(result.stdout, "schema_violation") == ["1", "0", "1", "0"]
    assert table_row(result.stdout, "unknown") == ["1", "0", "1", "0"]
    assert table_row(result.stdout, "total") == ["6", "3", "3", "3"]

    replayed = read_topic(broker.bootstrap, topics.input, expected=3, linger=2)
    selected = [(key, value) for key, value, reason in DEAD if reason == "not_json"]
    assert sorted((m.key() or b"", m.value()) for m in replayed) == sorted((k or b"", v) for k, v in selected)
    for m in replayed:
        headers = dict(m.headers() or [])
        partition, offset = where[m.value()]
        assert headers[REPLAYED_FROM] == f"{topics.dlq}/{partition}/{offset}".encode()
        assert headers[REPLAYED_REASON] == b"not_json"
        source_offset = next(i for i, (_, v, _) in enumerate(DEAD) if v == m.value())
        assert headers[REPLAYED_SOURCE] == f"articles.raw/0/{source_offset}".encode()
        assert "khabar-reason" not in headers, "the input record must not look like a dead letter"


def test_dlq_replay_exclude_and_limit(broker: EmbeddedBroker, topics: Topics) -> None:
    produce(broker.bootstrap, topics.dlq, [(k, v, dead_letter(r, 0), None) for k, v, r in DEAD])
    result = khabar(
        "dlq", "replay", "--exclude-reason", "not_json", "--limit", "2", topics=topics, broker=broker
    )
    assert result.returncode == 0, result.stderr
    read, selected, _, published = table_row(result.stdout, "total")
    assert (selected, published) == ("2", "2")
    assert int(read) >= 2
    assert "stopped at --limit 2" in result.stdout
    replayed = read_topic(broker.bootstrap, topics.input, expected=2, linger=2)
    assert len(replayed) == 2
    assert all(dict(m.headers() or [])[REPLAYED_REASON] != b"not_json" for m in replayed)


def test_dlq_replay_of_a_missing_topic_is_a_clear_error(broker: EmbeddedBroker, topics: Topics) -> None:
    result = khabar("dlq", "replay", "--dlq-topic", "no-such-dlq", topics=topics, broker=broker)
    assert result.returncode == 1
    assert "topic no-such-dlq does not exist" in result.stderr


# --- khabar replay --------------------------------------------------------------------------

EARLY = [orjson.dumps({"id": f"early-{i}", "body": f"Talks in Doha went on for day {i}."}) for i in range(3)]
LATE = [
    orjson.dumps({"id": "late-0", "body": "Talks resumed in Doha after a pause, officials in London said."}),
    orjson.dumps({"id": "late-1", "lang": "ar", "body": "التقى الوزراء في الرياض يوم الأحد."}),
    orjson.dumps({"id": "late-2", "title": "Storm", "body": "Heavy winds closed runways in Amsterdam."}),
]
BAD = b"{not json at all"


def publish_history(broker: EmbeddedBroker, topics: Topics) -> tuple[int, int]:
    """Three articles two hours ago, three (and a bad record) one hour ago; returns both times (ms)."""
    now = int(time.time() * 1000)
    early, late = now - 2 * 3_600_000, now - 3_600_000
    records: list[tuple[bytes | None, bytes, list[Header], int | None]] = [
        (orjson.loads(v)["id"].encode(), v, [], early + i) for i, v in enumerate(EARLY)
    ]
    records += [(orjson.loads(v)["id"].encode(), v, [], late + i) for i, v in enumerate(LATE)]
    records.append((b"bad-1", BAD, [], late + 10))
    produce(broker.bootstrap, topics.input, records)
    return early, late


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def committed(broker: EmbeddedBroker, topics: Topics) -> list[int]:
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": topics.group})
    try:
        tps = consumer.committed([TopicPartition(topics.input, p) for p in range(PARTITIONS)], timeout=10)
        return [tp.offset for tp in tps]
    finally:
        consumer.close()


def commit_start(broker: EmbeddedBroker, topics: Topics) -> None:
    """Pretend the live worker's group has consumed partition offsets up to 1."""
    consumer = Consumer(
        {"bootstrap.servers": broker.bootstrap, "group.id": topics.group, "enable.auto.commit": False}
    )
    try:
        offsets = [TopicPartition(topics.input, p, 1) for p in range(PARTITIONS)]
        consumer.commit(offsets=offsets, asynchronous=False)
    finally:
        consumer.close()


def assert_events(messages: list[Any], ids: set[str]) -> None:
    schema = validator(ENRICHED_EVENT)
    seen = set()
    for m in messages:
        event = orjson.loads(m.value())
        assert m.key() == event["id"].encode()
        errors = sorted(schema.iter_errors(event), key=str)
        assert not errors, errors[0].message
        seen.add(event["id"])
    assert seen == ids
    assert len(messages) == len(ids), "each article enriched once"


def test_replay_from_a_time_reenriches_only_what_came_after_it(
    broker: EmbeddedBroker, topics: Topics
) -> None:
    early, late = publish_history(broker, topics)
    commit_start(broker, topics)
    before = committed(broker, topics)

    result = khabar("replay", "--from", iso((early + late) // 2), "--no-ner", topics=topics, broker=broker)
    assert result.returncode == 0, result.stderr
    assert "read 4 from" in result.stdout and "enriched 3" in result.stdout, result.stdout
    assert "dead-lettered 1 (not_json 1)" in result.stdout

    assert_events(
        read_topic(broker.bootstrap, topics.output, expected=3, linger=2), {"late-0", "late-1", "late-2"}
    )
    dead = read_topic(broker.bootstrap, topics.dlq, expected=1, linger=1)
    assert [m.value() for m in dead] == [BAD]
    assert dead[0].key() == b"bad-1"
    headers = dict(dead[0].headers() or [])
    assert headers["khabar-reason"] == b"not_json"
    assert headers["khabar-stage"] == b"decode"
    assert headers["khabar-source-topic"] == topics.input.encode()
    source = read_topic(broker.bootstrap, topics.input, expected=7)
    bad = next(m for m in source if m.value() == BAD)
    assert headers["khabar-source-partition"] == str(bad.partition()).encode()
    assert headers["khabar-source-offset"] == str(bad.offset()).encode()

    assert committed(broker, topics) == before, "replay must not move the worker group's offsets"


def test_replay_from_earliest_gets_everything_and_to_stops_early(
    broker: EmbeddedBroker, topics: Topics
) -> None:
    _, late = publish_history(broker, topics)

    dry = khabar("replay", "--from", "earliest", "--no-ner", "--dry-run", topics=topics, broker=broker)
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing published: read 7" in dry.stdout
    assert read_topic(broker.bootstrap, topics.output, expected=1, timeout=3) == []

    upto = khabar("replay", "--from", "earliest", "--to", iso(late), "--no-ner", topics=topics, broker=broker)
    assert upto.returncode == 0, upto.stderr
    assert "read 3 from" in upto.stdout and "dead-lettered 0" in upto.stdout, upto.stdout
    assert_events(
        read_topic(broker.bootstrap, topics.output, expected=3, linger=2), {f"early-{i}" for i in range(3)}
    )

    everything = khabar("replay", "--from", "earliest", "--no-ner", topics=topics, broker=broker)
    assert everything.returncode == 0, everything.stderr
    assert "read 7 from" in everything.stdout and "enriched 6" in everything.stdout
    out = read_topic(broker.bootstrap, topics.output, expected=9, linger=2)
    assert sorted(orjson.loads(m.value())["id"] for m in out) == sorted(
        [f"early-{i}" for i in range(3)] * 2 + ["late-0", "late-1", "late-2"]
    )
    assert [m.value() for m in read_topic(broker.bootstrap, topics.dlq, expected=1, linger=1)] == [BAD]


class CountingTagger:
    """Tags nothing, and notes how many articles each call was given."""

    model_version = "counting"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        self.calls.append(1)
        return ()

    def tag_many(self, items: Sequence[tuple[Article, LanguageTag]]) -> list[tuple[Entity, ...]]:
        self.calls.append(len(items))
        return [() for _ in items]


def test_replay_tags_whole_batches_as_the_worker_does(broker: EmbeddedBroker, topics: Topics) -> None:
    publish_history(broker, topics)
    tagger = CountingTagger()
    settings = WorkerSettings(
        broker=broker.bootstrap,
        input_topic=topics.input,
        output_topic=topics.output,
        dlq_topic=topics.dlq,
        batch_size=64,
    )
    report = asyncio.run(
        replay_history(settings, lambda: Pipeline.default(tagger=tagger), Earliest(), Latest())
    )
    assert (report.read, report.enriched, sum(report.dead_lettered.values())) == (7, 6, 1)
    # The six good articles reached the tagger in batches (one per partition read together),
    # not one call per article; the bad record never got that far.
    assert sum(tagger.calls) == 6
    assert max(tagger.calls) > 1, tagger.calls
    assert len(read_topic(broker.bootstrap, topics.output, expected=6, linger=1)) == 6


@pytest.mark.parametrize("command", [["dlq", "replay"], ["replay", "--from", "earliest", "--no-ner"]])
def test_an_unreachable_broker_fails_fast_and_clearly(
    broker: EmbeddedBroker, topics: Topics, command: list[str]
) -> None:
    nobody = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = khabar(*command, "--broker", nobody, topics=topics, broker=broker, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert f"cannot reach Kafka at {nobody}" in result.stderr
    assert "Traceback" not in result.stderr
