"""The worker's agent without a broker: Faust's ``agent.test_context()`` feeds it records, a list
sink takes the outcomes and a recorder stands in for the offset commit. The same agent runs on
the embedded broker in tests/integration (test_end_to_end.py) and in the chaos suite."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import orjson
import pytest

from workers.core.outcomes import DeadLetter, Enriched, Outcome
from workers.observability.metrics import PrometheusSensor
from workers.pipeline.runner import Pipeline
from workers.settings import WorkerSettings
from workers.sinks import Received, Routes
from workers.sinks.memory import ListSink
from workers.stream.app import StreamApp, build_app
from workers.stream.lag import LagPoller, LagTracker

SETTINGS = WorkerSettings(ner=False, batch_size=4, batch_within_s=0.05)


class Recorder:
    """Stands in for Faust's commit; notes what the sink held when each batch was committed."""

    def __init__(self, sink: ListSink) -> None:
        self.sink = sink
        self.batches: list[list[int]] = []
        self.published_before: list[int] = []

    async def __call__(self, events: Sequence[Any]) -> None:
        self.batches.append([e.message.offset for e in events])
        self.published_before.append(len(self.sink.outcomes))


def records() -> list[tuple[bytes, bytes]]:
    good = [
        (f"k{i}".encode(), orjson.dumps({"id": f"a{i}", "body": "وفد من الدوحة في الرياض"})) for i in range(5)
    ]
    return [*good[:3], (b"bad", b"{not json"), *good[3:]]


async def run(built: StreamApp, sink: ListSink, items: list[tuple[bytes, bytes]], until: int) -> None:
    async with built.agent.test_context() as agent:
        for key, value in items:
            await agent.put(value, key=key, wait=False)
        for _ in range(200):
            if len(sink.outcomes) >= until:
                break
            await asyncio.sleep(0.02)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.default()


def test_each_batch_is_published_before_its_offsets_are_committed(pipeline: Pipeline) -> None:
    sink = ListSink(Routes(SETTINGS.output_topic, SETTINGS.dlq_topic))
    commit = Recorder(sink)
    sensor = PrometheusSensor()
    errors: list[Exception] = []
    built = build_app(
        SETTINGS, pipeline, sensor=sensor, sink=sink, commit=commit, on_error=lambda _, e: errors.append(e)
    )
    asyncio.run(run(built, sink, records(), until=6))

    assert not errors
    assert [type(o) for _, o in sink.outcomes] == [Enriched] * 3 + [DeadLetter] + [Enriched] * 2
    # Batches of at most batch_size, every record committed once, each batch only after the
    # sink had taken all of its outcomes (and never before any of them).
    assert sorted(o for batch in commit.batches for o in batch) == list(range(6))
    assert all(len(batch) <= SETTINGS.batch_size for batch in commit.batches)
    done = 0
    for batch, published in zip(commit.batches, commit.published_before, strict=True):
        done += len(batch)
        assert published == done
    # Routing: events keyed by article id to the output topic; the dead letter keeps the
    # original key and bytes and says why, where from.
    messages = sink.messages
    assert (messages[0].topic, messages[0].key) == (SETTINGS.output_topic, b"a0")
    letter = messages[3]
    assert (letter.topic, letter.key, letter.value) == (SETTINGS.dlq_topic, b"bad", b"{not json")
    assert dict(letter.headers or [])["khabar-reason"] == b"not_json"
    assert dict(letter.headers or [])["khabar-source-offset"] == b"3"
    # The lag tracker saw every record done; the sensor saw them taken.
    assert built.handler.lag.next_offset(0) == 6
    assert sensor.registry.get_sample_value("khabar_articles_consumed_total") == 6.0
    assert sensor.registry.get_sample_value("khabar_in_flight_articles") == 0.0


class FailingSink(ListSink):
    async def write(self, batch: Sequence[tuple[Received, Outcome]]) -> None:
        raise ConnectionError("broker gone")


def test_a_batch_that_cannot_be_published_is_not_committed(pipeline: Pipeline) -> None:
    sink = FailingSink()
    commit = Recorder(sink)
    failed: list[tuple[list[int], Exception]] = []

    def on_error(received: Sequence[Received], exc: Exception) -> None:
        failed.append(([r.origin.offset for r in received], exc))

    built = build_app(SETTINGS, pipeline, sink=sink, commit=commit, on_error=on_error)

    async def go() -> None:
        async with built.agent.test_context() as agent:
            for key, value in records()[:2]:
                await agent.put(value, key=key, wait=False)
            for _ in range(200):
                if failed:
                    break
                await asyncio.sleep(0.02)

    asyncio.run(go())
    assert failed and isinstance(failed[0][1], ConnectionError)
    assert failed[0][0] == [0, 1]
    assert commit.batches == []
    assert built.handler.lag.next_offset(0) == 0, "received, never processed"


class FakeConsumer:
    def __init__(self, ends: dict[int, int], positions: dict[int, int]) -> None:
        self.ends, self.positions = ends, positions

    def assignment(self) -> set[Any]:
        from faust.types import TP

        return {TP("raw", p) for p in self.ends} | {TP("other", 0)}

    async def highwaters(self, *tps: Any) -> dict[Any, int]:
        return {tp: self.ends[tp.partition] for tp in tps}

    async def earliest_offsets(self, *tps: Any) -> dict[Any, int]:
        return {tp: 0 for tp in tps}

    async def position(self, tp: Any) -> int:
        return self.positions[tp.partition]


class FakeCommitted:
    def __init__(self, answer: dict[int, int | None] | Exception) -> None:
        self.answer = answer

    async def fetch(self, topic: str, partitions: Any) -> dict[int, int | None]:
        if isinstance(self.answer, Exception):
            raise self.answer
        wanted = set(partitions)
        return {p: o for p, o in self.answer.items() if p in wanted}

    async def close(self) -> None:
        pass


def poller(consumer: Any, committed: Any, sensor: PrometheusSensor, answered: list[int]) -> LagPoller:
    tracker = LagTracker()
    tracker.processed(0, 9)  # partition 0 is being worked on: its own offsets count
    return LagPoller(
        topic="raw",
        group_id="g",
        interval_s=1.0,
        tracker=tracker,
        consumer=lambda: consumer,
        committed=committed,
        sensor=sensor,
        on_broker_answer=lambda: answered.append(1),
    )


def test_lag_poller_counts_from_own_offsets_then_the_group_commit() -> None:
    sensor, answered = PrometheusSensor(), list[int]()
    consumer = FakeConsumer(ends={0: 25, 1: 50, 2: 40}, positions={0: 25, 1: 50, 2: 40})
    lag = poller(consumer, FakeCommitted({1: 30, 2: None}), sensor, answered)
    asyncio.run(lag.poll())
    value = sensor.registry.get_sample_value
    assert value("khabar_consumer_lag", {"topic": "raw", "partition": "0"}) == 15
    assert value("khabar_consumer_lag", {"topic": "raw", "partition": "1"}) == 20
    assert value("khabar_consumer_lag", {"topic": "raw", "partition": "2"}) == 40  # no commit: log start
    assert answered == [1]
    # A partition revoked since the last poll loses its series.
    consumer.ends.pop(2)
    asyncio.run(lag.poll())
    assert value("khabar_consumer_lag", {"topic": "raw", "partition": "2"}) is None


def test_lag_poller_falls_back_to_positions_when_the_group_does_not_answer() -> None:
    sensor, answered = PrometheusSensor(), list[int]()
    consumer = FakeConsumer(ends={0: 25, 1: 50}, positions={0: 25, 1: 44})
    lag = poller(consumer, FakeCommitted(ConnectionError("coordinator moving")), sensor, answered)
    asyncio.run(lag.poll())
    assert sensor.registry.get_sample_value("khabar_consumer_lag", {"topic": "raw", "partition": "1"}) == 6
    assert answered == [1], "the end offsets came back: the broker answered"
