"""Publishing raw articles from JSON Lines (``khabar produce``, the demo, tests)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from tqdm import tqdm

from workers import kafka_clients
from workers.settings import KafkaSettings


async def produce_records(
    settings: KafkaSettings,
    topic: str,
    records: Iterable[tuple[bytes | None, bytes]],
    total: int | None = None,
    progress: bool = True,
    stderr: IO[str] | None = None,
) -> int:
    """Send every record and wait until the broker acknowledged all of them (acks=all)."""
    producer = kafka_clients.producer(settings)
    await producer.start()
    sent = 0
    try:
        pending = []
        with tqdm(total=total, unit="article", disable=not progress, file=stderr, desc=f"→ {topic}") as bar:
            for key, value in records:
                pending.append(await producer.send(topic, value=value, key=key))
                sent += 1
                if len(pending) >= 1000:
                    for fut in pending:
                        await fut
                    bar.update(len(pending))
                    pending.clear()
            for fut in pending:
                await fut
            bar.update(len(pending))
    finally:
        await producer.stop()
    return sent
