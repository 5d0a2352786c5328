"""Reading and writing topics in tests with confluent-kafka: a client independent of the worker's."""

from __future__ import annotations

import time
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition

PARTITIONS = 4


def publish(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]], partition: int | None = None
) -> None:
    """``records`` in order, to ``partition`` if given, else where their keys hash to."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    for key, value in records:
        if partition is None:
            producer.produce(topic, key=key, value=value)
        else:
            producer.produce(topic, key=key, value=value, partition=partition)
        producer.flush(30)  # one record per batch: Tansu counts batches in its watermark
    assert producer.flush(30) == 0


def commit(bootstrap: str, group: str, topic: str, offsets: dict[int, int]) -> None:
    """Commit ``offsets`` (partition -> next offset) for ``group`` as a member outside it would."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
    finally:
        consumer.close()


def read_topic(
    bootstrap: str, topic: str, expected: int, timeout: float = 60, linger: float = 0
) -> list[Any]:
    """Every record of ``topic`` from the start, until ``expected`` arrived (or ``timeout``),
    then ``linger`` seconds more so that extra records (duplicates, strays) show up too."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(messages) < expected and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                messages.append(msg)
        end = time.monotonic() + linger
        while time.monotonic() < end:
            msg = consumer.poll(0.2)
            if msg is not None and msg.error() is None:
                messages.append(msg)
    finally:
        consumer.close()
    return messages
