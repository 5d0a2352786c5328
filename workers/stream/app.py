"""The Faust app: one agent reads ``articles.raw`` in batches and writes one outcome per record.

Per batch: run the pipeline off the event loop (so heartbeats keep flowing
while the CPU works), publish every enriched event or dead letter, wait until
the broker has acknowledged all of them, and only then let Faust ack the input
events, whose offsets it commits afterwards (at-least-once).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust

from workers import metrics
from workers.pipeline.runner import DeadLetter, Enriched, Outcome, Pipeline
from workers.settings import WorkerSettings
from workers.stream.kafka_auth import faust_credentials

log = logging.getLogger(__name__)

AGENT_NAME = "khabar.enrich"


def dead_letter_headers(
    letter: DeadLetter, topic: str, partition: int, offset: int
) -> list[tuple[str, bytes]]:
    """Why and where from: enough to filter, replay and find the original record."""
    return [
        ("khabar-reason", letter.reason.encode()),
        ("khabar-stage", letter.stage.encode()),
        ("khabar-error", letter.detail.encode("utf-8", "replace")[:2000]),
        ("khabar-source-topic", topic.encode()),
        ("khabar-source-partition", str(partition).encode()),
        ("khabar-source-offset", str(offset).encode()),
    ]


def process_batch(pipeline: Pipeline, values: Sequence[bytes | None]) -> list[Outcome]:
    outcomes = []
    for value in values:
        with metrics.PROCESSING_SECONDS.time():
            outcomes.append(pipeline.process(value))
    return outcomes


def build_app(settings: WorkerSettings, pipeline: Pipeline) -> faust.App:
    app = faust.App(
        settings.group_id,
        broker=[f"kafka://{b}" for b in settings.bootstrap_list()],
        broker_credentials=faust_credentials(settings),
        # /metrics is served by prometheus-client; Faust's own web server would
        # claim a second fixed port per process.
        web_enabled=False,
        store="memory://",
        datadir=settings.data_dir or tempfile.mkdtemp(prefix="khabar-faust-"),
        autodiscover=False,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_ms / 1000,
        broker_heartbeat_interval=settings.heartbeat_interval_ms / 1000,
        broker_rebalance_timeout=settings.rebalance_timeout_ms / 1000,
        topic_disable_leader=True,
    )
    raw_topic = app.topic(
        settings.input_topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    out_topic = app.topic(settings.output_topic, key_serializer="raw", value_serializer="raw")
    dlq_topic = app.topic(settings.dlq_topic, key_serializer="raw", value_serializer="raw")
    # One thread: the pipeline is CPU-bound, so more threads would only contend for the GIL.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-enrich")

    @app.agent(raw_topic, name=AGENT_NAME)
    async def enrich(stream: Any) -> None:
        loop = asyncio.get_running_loop()
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
            metrics.CONSUMED.inc(len(events))
            values = [event.value for event in events]
            outcomes = await loop.run_in_executor(executor, process_batch, pipeline, values)
            pending = []
            for event, outcome in zip(events, outcomes, strict=True):
                if isinstance(outcome, Enriched):
                    pending.append(await out_topic.send(key=outcome.key, value=outcome.value))
                else:
                    msg = event.message
                    log.warning(
                        "dead-lettering record %s[%s]@%s (article %s): %s at %s: %s",
                        msg.topic,
                        msg.partition,
                        msg.offset,
                        outcome.article_id,
                        outcome.reason,
                        outcome.stage,
                        outcome.detail[:200],
                    )
                    headers = dead_letter_headers(outcome, msg.topic, msg.partition, msg.offset)
                    pending.append(await dlq_topic.send(key=msg.key, value=msg.value, headers=headers))
            await asyncio.gather(*pending)
            for outcome in outcomes:
                if isinstance(outcome, Enriched):
                    metrics.ENRICHED.inc()
                else:
                    metrics.count_dead_letter(outcome.reason)

    return app
