"""``khabar replay``: re-enrich a slice of the input topic's history with the current pipeline.

A one-shot job beside the running worker: it assigns the input partitions itself (no consumer
group, nothing committed), so the worker's group offsets never move. Records go through
``Pipeline.process_many`` in batches of ``KHABAR_BATCH_SIZE``, as in the worker (so NER is batched
too), and out through the worker's sink (:class:`~workers.sinks.kafka.KafkaSink`): enriched events
to the output topic keyed by article id (downstream keeps the latest event per key), dead letters
to the DLQ with the worker's headers.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO

from tqdm import tqdm

from workers.core.headers import Origin
from workers.core.outcomes import Enriched
from workers.ops.positions import Position, TimeWindow
from workers.ops.reader import (
    PartitionRange,
    RangeReader,
    acked,
    kafka_consumer,
    kafka_producer,
    plan_ranges,
    require_topics,
)
from workers.pipeline.runner import Pipeline
from workers.settings import WorkerSettings
from workers.sinks import Received, Routes
from workers.sinks.kafka import KafkaSink, Publisher, aiokafka_send


@dataclass
class ReplayReport:
    input_topic: str
    output_topic: str
    dlq_topic: str
    dry_run: bool
    ranges: list[PartitionRange] = field(default_factory=list)
    read: int = 0
    enriched: int = 0
    dead_lettered: Counter[str] = field(default_factory=Counter)


async def replay_history(
    settings: WorkerSettings,
    load_pipeline: Callable[[], Pipeline],
    start: Position,
    stop: Position,
    partitions: Sequence[int] = (),
    dry_run: bool = False,
    progress: bool = False,
    stderr: IO[str] | None = None,
) -> ReplayReport:
    """Re-enrich ``[start, stop)`` of the input topic (``stop`` never past the end captured now).

    The broker is checked and the slice planned before ``load_pipeline`` runs, so a wrong
    address or topic fails in seconds rather than after the models load.
    """
    report = ReplayReport(settings.input_topic, settings.output_topic, settings.dlq_topic, dry_run)
    needed = [settings.input_topic] + ([] if dry_run else [settings.output_topic, settings.dlq_topic])
    loop = asyncio.get_running_loop()
    # One thread, as in the worker: the pipeline is CPU-bound and holds the GIL.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-replay") as executor:
        async with kafka_consumer(settings) as consumer:
            await require_topics(consumer, settings.broker, needed)
            report.ranges = await plan_ranges(consumer, settings.input_topic, start, stop, partitions)
            reader = RangeReader(consumer, settings.input_topic, report.ranges, TimeWindow.of(start, stop))
            pipeline = await loop.run_in_executor(executor, load_pipeline) if reader.total else None
            async with nullcontext() if dry_run else kafka_producer(settings) as producer:
                routes = Routes(settings.output_topic, settings.dlq_topic)
                # The worker's own routing and headers; a replay reports counts, not log lines.
                sink = (
                    KafkaSink(Publisher(aiokafka_send(producer)), routes, log_dead_letters=False)
                    if producer is not None
                    else None
                )
                with tqdm(
                    total=reader.total,
                    unit="article",
                    disable=not progress,
                    file=stderr,
                    desc=f"{settings.input_topic} → {settings.output_topic}",
                ) as bar:
                    while pipeline is not None and (batch := await reader.next_batch(settings.batch_size)):
                        values = [record.value for record in batch]
                        outcomes = await loop.run_in_executor(executor, pipeline.process_many, values)
                        written = [
                            (Received(Origin(r.topic, r.partition, r.offset), r.key, r.value), outcome)
                            for r, outcome in zip(batch, outcomes, strict=True)
                        ]
                        for _, outcome in written:
                            report.read += 1
                            if isinstance(outcome, Enriched):
                                report.enriched += 1
                            else:
                                report.dead_lettered[outcome.reason] += 1
                        if sink is not None:
                            await acked(sink.write(written), f"{settings.output_topic}/{settings.dlq_topic}")
                        bar.update(reader.progress() - bar.n)
    return report
