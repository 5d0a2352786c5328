"""Kafka sides of the benchmark: fill a topic, relay it with raw aiokafka, read what came out.

Throughput is taken from the output records' own timestamps (set by the producer that wrote
them), first to last, so start-up, model loading and the reader's speed never count. Latency
is an output record's timestamp minus its input record's timestamp: one clock, one machine.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition
from aiokafka.admin import NewTopic

from workers import kafka_clients
from workers.settings import KafkaSettings

Record = tuple[bytes, bytes]


async def create_topics(kafka: KafkaSettings, names: Sequence[str], partitions: int) -> None:
    admin = kafka_clients.admin(kafka)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names]
        )
    finally:
        await admin.close()


async def fill(
    kafka: KafkaSettings, topic: str, records: Sequence[Record], rate: float | None = None
) -> None:
    """Publish ``records`` (acks=all); ``rate`` articles/s paces them, None sends flat out."""
    producer = kafka_clients.producer(kafka)
    await producer.start()
    try:
        started = time.perf_counter()
        pending = []
        for i, (key, value) in enumerate(records):
            if rate:
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            pending.append(await producer.send(topic, value, key=key))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def relay(kafka: KafkaSettings, source: str, target: str, count: int, within_s: float) -> None:
    """The transport bound: a consumer group member that republishes every record unchanged,
    waits for the acks of each fetched batch, then commits it (what the worker does, minus Faust)."""
    consumer = kafka_clients.consumer(
        kafka,
        source,
        group_id=f"bench-relay-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = kafka_clients.producer(kafka)
    await consumer.start()
    await producer.start()
    try:
        moved = 0
        deadline = time.monotonic() + within_s
        while moved < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            pending = [
                await producer.send(target, msg.value, key=msg.key)
                for messages in batches.values()
                for msg in messages
            ]
            await asyncio.gather(*pending)
            if pending:
                await consumer.commit()
            moved += len(pending)
    finally:
        await producer.stop()
        await consumer.stop()


@dataclass(frozen=True, slots=True)
class Arrival:
    key: bytes
    timestamp_ms: int


async def read_all(kafka: KafkaSettings, topic: str, count: int, within_s: float) -> list[Arrival]:
    """Every record of ``topic`` from the beginning, until ``count`` arrived or ``within_s`` passed."""
    consumer = kafka_clients.consumer(kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:
            await consumer.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        out: list[Arrival] = []
        deadline = time.monotonic() + within_s
        while len(out) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            out.extend(Arrival(m.key or b"", m.timestamp) for msgs in batches.values() for m in msgs)
        return out
    finally:
        await consumer.stop()


def throughput(arrivals: Sequence[Arrival]) -> float:
    """Records per second between the first and the last output timestamp."""
    if len(arrivals) < 2:
        return 0.0
    stamps = sorted(a.timestamp_ms for a in arrivals)
    span = (stamps[-1] - stamps[0]) / 1000
    return (len(stamps) - 1) / span if span > 0 else float("inf")
