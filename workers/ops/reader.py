"""Reading a bounded slice of a topic without a consumer group, and publishing with acks=all.

The slice is fixed when the job starts: each partition is read from its start offset up to the
end offset captured then (or an earlier ``--to``), so a job terminates even while producers keep
appending. Partitions are assigned directly, so no group's committed offsets ever move.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from workers import kafka_clients
from workers.ops.positions import AtTime, Position, TimeWindow, start_offset, stop_offset
from workers.settings import KafkaSettings

#: How long reaching the broker (and each metadata or offsets lookup) may take before giving up.
CONNECT_TIMEOUT_S = 10.0
#: How long a read may see neither a record nor a moving position before it is called stuck.
IDLE_TIMEOUT_S = 30.0

#: An ``aiokafka.structs.ConsumerRecord`` (aiokafka ships no type information).
Record = Any


class OpsError(Exception):
    """A job cannot run or cannot finish; the message says why, for the person running it."""


@dataclass
class PartitionRange:
    """One partition's slice: ``[start, stop)`` planned, and what reading it delivered."""

    partition: int
    start: int
    stop: int
    delivered: int = 0
    #: Records passed over because their timestamp is before ``--from TIME``.
    skipped_early: int = 0
    first: int | None = None
    last: int | None = None
    #: The next offset to read: progress is measured in offsets, so gaps count too.
    position: int = 0
    done: bool = False

    def __post_init__(self) -> None:
        self.position = self.start

    def span(self) -> str:
        """``first→last+1`` of what was delivered, or ``none``."""
        if self.first is None or self.last is None:
            return "none"
        return f"{self.first}→{self.last + 1}"


async def _start(client: AIOKafkaConsumer | AIOKafkaProducer, broker: str, connect_timeout_s: float) -> None:
    """Start ``client`` within ``connect_timeout_s``, or stop it and raise ``OpsError``."""
    try:
        async with asyncio.timeout(connect_timeout_s):
            await client.start()
    except (KafkaError, OSError, TimeoutError) as exc:
        await client.stop()
        raise _unreachable(broker, connect_timeout_s, exc) from exc


@asynccontextmanager
async def kafka_consumer(
    settings: KafkaSettings, connect_timeout_s: float = CONNECT_TIMEOUT_S
) -> AsyncIterator[AIOKafkaConsumer]:
    """A started consumer without a group (nothing is ever committed), or ``OpsError``."""
    consumer = kafka_clients.consumer(
        settings, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await _start(consumer, settings.broker, connect_timeout_s)
    try:
        yield consumer
    finally:
        await consumer.stop()


@asynccontextmanager
async def kafka_producer(
    settings: KafkaSettings, connect_timeout_s: float = CONNECT_TIMEOUT_S
) -> AsyncIterator[AIOKafkaProducer]:
    """A started producer that waits for every in-sync replica (acks=all)."""
    producer = kafka_clients.producer(settings)
    await _start(producer, settings.broker, connect_timeout_s)
    try:
        yield producer
    finally:
        await producer.stop()


async def require_topics(consumer: AIOKafkaConsumer, broker: str, topics: Iterable[str]) -> None:
    """``OpsError`` naming every topic in ``topics`` that the broker does not have."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            known = await consumer.topics()
    except (KafkaError, OSError, TimeoutError) as exc:
        raise OpsError(f"cannot list the topics on {broker}: {_why(exc)}") from exc
    missing = sorted({t for t in topics if t not in known})
    if missing:
        raise OpsError(
            f"topic {', '.join(missing)} does not exist on {broker} "
            f"(it has: {', '.join(sorted(t for t in known if not t.startswith('__'))) or 'no topics'})"
        )


async def plan_ranges(
    consumer: AIOKafkaConsumer,
    topic: str,
    start: Position,
    stop: Position,
    partitions: Sequence[int] = (),
) -> list[PartitionRange]:
    """Each partition's ``[start, stop)``, with the end offsets as they are right now."""
    known = consumer.partitions_for_topic(topic) or set()
    chosen = sorted(set(partitions)) if partitions else sorted(known)
    unknown = [p for p in chosen if p not in known]
    if unknown:
        raise OpsError(f"{topic} has no partition {unknown[0]} (it has {', '.join(map(str, sorted(known)))})")
    tps = [TopicPartition(topic, p) for p in chosen]
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            beginnings = await consumer.beginning_offsets(tps)
            ends = await consumer.end_offsets(tps)
            by_time = (
                await consumer.offsets_for_times({tp: start.ms for tp in tps})
                if isinstance(start, AtTime)
                else {}
            )
    except (KafkaError, OSError, TimeoutError) as exc:
        raise OpsError(f"cannot read the offsets of {topic}: {_why(exc)}") from exc
    ranges = []
    for tp in tps:
        begin, end = beginnings[tp], ends[tp]
        found = by_time.get(tp)
        first = start_offset(start, begin, end, None if found is None else found.offset)
        ranges.append(PartitionRange(tp.partition, first, max(first, stop_offset(stop, begin, end))))
    return ranges


class RangeReader:
    """Delivers the records of the planned ranges in batches, partition order kept.

    A ``--from TIME`` skips each partition's records until the first one at or after that
    time (the broker's ``offsets_for_times`` answer is only where the search starts: some
    brokers answer it loosely); a ``--to TIME`` ends a partition at its first record at or
    after that time.
    """

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        topic: str,
        ranges: Sequence[PartitionRange],
        window: TimeWindow = TimeWindow(),  # noqa: B008 - frozen
        idle_timeout: float = IDLE_TIMEOUT_S,
    ) -> None:
        self.consumer = consumer
        self.topic = topic
        self.ranges = list(ranges)
        self.window = window
        self.idle_timeout = idle_timeout
        self.total = sum(r.stop - r.start for r in self.ranges)
        self._active: dict[int, PartitionRange] = {}
        self._started: set[int] = set()
        self._assigned = False

    def progress(self) -> int:
        """Offsets dealt with so far, out of ``total``."""
        return sum((r.stop if r.done else r.position) - r.start for r in self.ranges)

    def _assign(self) -> None:
        self._assigned = True
        for r in self.ranges:
            if r.start >= r.stop:
                r.done = True
            else:
                self._active[r.partition] = r
        tps = [TopicPartition(self.topic, p) for p in self._active]
        self.consumer.assign(tps)
        for tp in tps:
            self.consumer.seek(tp, self._active[tp.partition].start)
        if self.window.from_ms is None:
            self._started.update(self._active)

    def _finish(self, r: PartitionRange) -> None:
        r.done = True
        self._active.pop(r.partition, None)
        self.consumer.pause(TopicPartition(self.topic, r.partition))

    async def next_batch(self, max_records: int) -> list[Record] | None:
        """Up to ``max_records`` records, or ``None`` once every partition reached its stop."""
        if not self._assigned:
            self._assign()
        last_progress = time.monotonic()
        while self._active:
            tps = [TopicPartition(self.topic, p) for p in self._active]
            fetched = await self.consumer.getmany(*tps, timeout_ms=500, max_records=max_records)
            batch: list[Record] = []
            moved = False
            for tp, records in fetched.items():
                r = self._active.get(tp.partition)
                if r is None:
                    continue
                for rec in records:
                    if rec.offset >= r.stop or self.window.past_stop(rec.timestamp):
                        self._finish(r)
                        break
                    moved = True
                    r.position = rec.offset + 1
                    if r.partition not in self._started:
                        if self.window.before_start(rec.timestamp):
                            r.skipped_early += 1
                            continue
                        self._started.add(r.partition)
                    r.delivered += 1
                    r.first = rec.offset if r.first is None else r.first
                    r.last = rec.offset
                    batch.append(rec)
            for r in list(self._active.values()):
                # Offsets with no record behind them (transaction markers, compacted gaps)
                # still move the position: that, not the last record, says a partition is done.
                position = await self.consumer.position(TopicPartition(self.topic, r.partition))
                if position > r.position:
                    r.position, moved = min(position, r.stop), True
                if position >= r.stop:
                    self._finish(r)
            if batch:
                return batch
            now = time.monotonic()
            if moved:
                last_progress = now
            elif now - last_progress > self.idle_timeout:
                stuck = ", ".join(f"{r.partition} at {r.position} of {r.stop}" for r in self._active.values())
                raise OpsError(
                    f"no records from {self.topic} for {self.idle_timeout:.0f} s "
                    f"(partition {stuck}); is the broker still reachable?"
                )
        return None


async def acked(publishing: Awaitable[None], topic: str) -> None:
    """Wait for ``publishing`` (a sink's write, a publisher's publish): ``OpsError`` naming
    ``topic`` when the broker did not acknowledge every record."""
    try:
        await publishing
    except (KafkaError, OSError, TimeoutError) as exc:
        raise OpsError(f"publishing to {topic} failed: {_why(exc)}") from exc


def _unreachable(broker: str, timeout: float, exc: BaseException) -> OpsError:
    if isinstance(exc, TimeoutError):
        return OpsError(f"no answer from Kafka at {broker} within {timeout:.0f} s")
    return OpsError(f"cannot reach Kafka at {broker}: {_why(exc)}")


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
