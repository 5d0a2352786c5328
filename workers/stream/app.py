"""The Faust app: one agent reads ``articles.raw`` in batches and writes one outcome per record.

Per batch: run the pipeline off the event loop (so heartbeats keep flowing
while the CPU works), publish every enriched event or dead letter, wait until
the broker has acknowledged all of them, and only then let Faust ack the input
events, whose offsets it commits afterwards (at-least-once).

A timer polls the broker for the input partitions' end offsets (and the group's committed
offsets of partitions the agent has no record of yet): that gives the lag gauge, and its
answers are what ``/readyz`` calls "connected to the broker".
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn, cast

import faust
from aiokafka.errors import KafkaError
from faust.exceptions import ProducerSendError
from faust.types import TP

from workers.core.stages import ENTITIES
from workers.observability import metrics
from workers.observability.endpoints import Health
from workers.observability.logs import record_context
from workers.pipeline.runner import DeadLetter, Enriched, Outcome, Pipeline
from workers.settings import WorkerSettings
from workers.stream import exits
from workers.stream.committed import CommittedOffsets
from workers.stream.kafka_auth import faust_credentials
from workers.stream.lag import LagTracker
from workers.stream.transport import App

log = logging.getLogger(__name__)

AGENT_NAME = "khabar.enrich"


def dead_letter_headers(
    letter: DeadLetter, topic: str, partition: int, offset: int
) -> list[tuple[str, bytes]]:
    """Why and where from: enough to filter, replay and find the original record."""
    return [
        ("khabar-reason", letter.reason.encode()),
        ("khabar-stage", letter.stage.encode()),
        ("khabar-error-type", letter.error_type.encode()),
        ("khabar-error", letter.detail.encode("utf-8", "replace")[:2000]),
        ("khabar-source-topic", topic.encode()),
        ("khabar-source-partition", str(partition).encode()),
        ("khabar-source-offset", str(offset).encode()),
    ]


def process_batch(pipeline: Pipeline, values: Sequence[bytes | None]) -> list[Outcome]:
    started = time.perf_counter()
    outcomes = pipeline.process_many(values)
    elapsed = time.perf_counter() - started
    for outcome in outcomes:
        # An enriched event knows its own decode-to-encode time (batched tagging included); a
        # dead letter, rejected early, is charged its share of the batch.
        if isinstance(outcome, Enriched):
            metrics.PROCESSING_SECONDS.observe(outcome.event["processing"]["duration_s"])
        else:
            metrics.PROCESSING_SECONDS.observe(elapsed / len(outcomes))
    return outcomes


def _observe_ack(sent_at: float, record_timestamp: float | None) -> Any:
    """A done-callback for one send: publish time, and end-to-end latency from the record's timestamp."""

    def done(fut: asyncio.Future[Any]) -> None:
        if fut.cancelled() or fut.exception() is not None:
            return
        metrics.observe_stage("publish", time.perf_counter() - sent_at)
        metrics.observe_published(time.time(), record_timestamp)

    return done


def build_app(settings: WorkerSettings, pipeline: Pipeline, health: Health | None = None) -> faust.App:
    health = health or Health()
    app = App(
        settings.group_id,
        broker=[f"kafka://{b}" for b in settings.bootstrap_list()],
        broker_credentials=faust_credentials(settings),
        # /metrics, /healthz and /readyz are served by workers.observability on --metrics-port;
        # Faust's own web server would claim a second fixed port per process.
        web_enabled=False,
        store="memory://",
        datadir=settings.data_dir or tempfile.mkdtemp(prefix="khabar-faust-"),
        autodiscover=False,
        producer_acks=-1,
        # Faust's default (20 min) would hold a batch that long before failing it.
        producer_request_timeout=settings.publish_timeout_s,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_ms / 1000,
        broker_heartbeat_interval=settings.heartbeat_interval_ms / 1000,
        broker_rebalance_timeout=settings.rebalance_timeout_ms / 1000,
        topic_disable_leader=True,
    )
    raw_topic = app.topic(
        settings.input_topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    # Outcomes go straight to Faust's producer: Topic.send yields to the event loop three times
    # per record (its producer lookup is a stampede guard that sleeps), so the sender ran between
    # every two records and wrote one to three of them per produce request.
    output_topic, dlq_topic = settings.output_topic, settings.dlq_topic
    # One thread: the pipeline is CPU-bound, so more threads would only contend for the GIL.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-enrich")
    lag = LagTracker()
    group_offsets = CommittedOffsets(settings, settings.group_id)
    input_topic = settings.input_topic

    def input_partitions(tps: Any) -> set[int]:
        return {tp.partition for tp in tps if tp.topic == input_topic}

    @app.agent(raw_topic, name=AGENT_NAME)
    async def enrich(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
            metrics.CONSUMED.inc(len(events))
            for event in events:
                if event.message.topic == input_topic:
                    lag.received(event.message.partition, event.message.offset)
            metrics.BATCH_SIZE.observe(len(events))
            metrics.IN_FLIGHT.inc(len(events))
            try:
                if not settings.enrich:
                    await _forward(events)
                    continue
                outcomes = await _process(events)
                await _publish(events, outcomes)
            except Exception as exc:
                # Raising would let Faust restart the agent and ack this batch's events, so
                # their offsets could be committed with nothing published: leave instead.
                _abandon_batch(events, exc)
            finally:
                metrics.IN_FLIGHT.dec(len(events))
            _account(events, outcomes)

    async def _forward(events: Sequence[Any]) -> None:
        """Pass-through: the records as they came, acknowledged before the batch is done."""
        producer = await app.maybe_start_producer()
        pending = [
            await producer.send(output_topic, e.message.key, e.message.value, None, None, None)
            for e in events
        ]
        await asyncio.gather(*pending)
        for event in events:
            lag.processed(event.message.partition, event.message.offset)

    async def _process(events: Sequence[Any]) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        values = [event.value for event in events]
        dropped_before = _spans_dropped(pipeline)
        outcomes = await loop.run_in_executor(executor, process_batch, pipeline, values)
        metrics.NER_SPANS_DROPPED.inc(max(0, _spans_dropped(pipeline) - dropped_before))
        return outcomes

    async def _publish(events: Sequence[Any], outcomes: Sequence[Outcome]) -> None:
        """Send every outcome, then wait until the broker acknowledged all of them."""
        producer = await app.maybe_start_producer()
        pending = []
        for event, outcome in zip(events, outcomes, strict=True):
            msg = event.message
            sent_at = time.perf_counter()
            if isinstance(outcome, Enriched):
                fut = await producer.send(output_topic, outcome.key, outcome.value, None, None, None)
            else:
                metrics.count_failure(outcome.stage, outcome.error_type)
                log.warning(
                    "dead-lettering record %s[%s]@%s (article %s): %s at %s: %s",
                    msg.topic,
                    msg.partition,
                    msg.offset,
                    outcome.article_id,
                    outcome.reason,
                    outcome.stage,
                    outcome.detail[:200],
                    extra=record_context(
                        article_id=outcome.article_id,
                        topic=msg.topic,
                        partition=msg.partition,
                        offset=msg.offset,
                        reason=outcome.reason,
                        stage=outcome.stage,
                        error_type=outcome.error_type,
                    ),
                )
                headers = dead_letter_headers(outcome, msg.topic, msg.partition, msg.offset)
                fut = await producer.send(dlq_topic, msg.key, msg.value, None, None, headers)
            cast("asyncio.Future[Any]", fut).add_done_callback(_observe_ack(sent_at, msg.timestamp))
            pending.append(fut)
        await asyncio.gather(*pending)

    def _account(events: Sequence[Any], outcomes: Sequence[Outcome]) -> None:
        for event, outcome in zip(events, outcomes, strict=True):
            msg = event.message
            if msg.topic == input_topic:
                lag.processed(msg.partition, msg.offset)
            if isinstance(outcome, Enriched):
                metrics.ENRICHED.inc()
                metrics.count_content(outcome.event)
            else:
                metrics.DEAD_LETTERED.labels(reason=outcome.reason).inc()

    # Faust calls these with the full new assignment (after revoking the old one), so readiness
    # drops for the length of a rebalance and comes back with the partitions this worker got.
    @app.on_partitions_revoked.connect
    def on_revoked(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        health.assigned(())

    @app.on_partitions_assigned.connect
    def on_assigned(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        mine = input_partitions(args[0] if args else kwargs.get("assigned", ()))
        health.assigned((input_topic, p) for p in mine)
        lag.keep_only(mine)
        log.info("assigned %s partitions %s", input_topic, sorted(mine))

    reported: set[int] = set()

    @app.timer(settings.lag_interval_s)  # type: ignore[untyped-decorator]
    async def poll_lag() -> None:
        try:
            mine = input_partitions(app.consumer.assignment())
        except Exception:  # the consumer is not started yet, or is being rebuilt
            return
        gone = reported - mine
        tps = [TP(input_topic, p) for p in sorted(mine)]
        lags: dict[int, int] = {}
        if tps:
            unknown = [tp for tp in tps if lag.next_offset(tp.partition) is None]
            try:
                async with asyncio.timeout(settings.lag_interval_s * 2):
                    ends = await app.consumer.highwaters(*tps)
                    committed, log_starts, positions = await _group_starts(unknown)
            except Exception as exc:
                log.warning("cannot read end offsets of %s: %s", input_topic, str(exc) or type(exc).__name__)
                return
            health.broker_answered()
            ends_by_partition = {tp.partition: end for tp, end in ends.items()}
            lags = lag.lags(ends_by_partition, committed, log_starts, positions)
        metrics.set_lag(input_topic, lags, gone)
        reported.clear()
        reported.update(lags)

    async def _group_starts(
        tps: Sequence[TP],
    ) -> tuple[dict[int, int | None], dict[int, int | None], dict[int, int | None]]:
        """Committed offsets, log starts of partitions without a commit and, where the group's
        offsets could not be read, positions of ``tps``: what the lag of partitions the agent
        has no record of yet counts from. Unreadable group offsets are no reason to lose the end
        offsets too. Log starts are asked for only when needed: the consumer's connection
        answers them only after its pending fetch, which can take most of the poll's time."""
        committed: dict[int, int | None] = {}
        log_starts: dict[int, int | None] = {}
        if tps:
            try:
                async with asyncio.timeout(settings.lag_interval_s):
                    committed = await group_offsets.fetch(input_topic, (tp.partition for tp in tps))
                    uncommitted = [
                        tp for tp in tps if tp.partition in committed and committed[tp.partition] is None
                    ]
                    if uncommitted:
                        earliest = await app.consumer.earliest_offsets(*uncommitted)
                        log_starts = {tp.partition: offset for tp, offset in earliest.items()}
            except Exception as exc:
                log.warning(
                    "cannot read where group %s resumes %s, lag may read low: %s",
                    settings.group_id,
                    input_topic,
                    str(exc) or type(exc).__name__,
                )
                committed, log_starts = {}, {}
        positions = {
            tp.partition: await app.consumer.position(tp) for tp in tps if tp.partition not in committed
        }
        return committed, log_starts, positions

    @app.on_before_shutdown.connect
    async def close_group_offsets(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await group_offsets.close()

    return app


def _abandon_batch(events: Sequence[Any], exc: Exception) -> NoReturn:
    """Exit without committing the batch: a restarted worker (or another group member) gets it again."""
    publishing = isinstance(exc, KafkaError | ProducerSendError)
    code = exits.PUBLISH_FAILED if publishing else exits.INTERNAL_ERROR
    metrics.count_failure("publish" if publishing else "stream", type(exc).__name__)
    first = events[0].message
    log.critical(
        "%s a batch of %d records from %s[%s]@%s failed (%s); exiting with code %d without committing it, "
        "so that a restarted worker enriches it again",
        "publishing" if publishing else "processing",
        len(events),
        first.topic,
        first.partition,
        first.offset,
        str(exc) or type(exc).__name__,
        code,
        exc_info=not publishing,
        extra=record_context(topic=first.topic, partition=first.partition, offset=first.offset),
    )
    exits.exit_now(code)


def _spans_dropped(pipeline: Pipeline) -> int:
    stats = getattr(getattr(pipeline.stage(ENTITIES), "tagger", None), "stats", None)
    return int(stats["spans_dropped_unverified"]) if stats is not None else 0
