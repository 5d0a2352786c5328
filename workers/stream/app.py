"""The Faust app: one thin agent reads ``articles.raw`` in batches and hands each to the
:class:`~workers.stream.agent.BatchHandler`, which processes, publishes through the outcome sink
and commits (the order that makes the delivery guarantee is written there, once).

Built beside it: the Kafka sink over Faust's producer, the readiness hooks on partition
assignment, and the :class:`~workers.stream.lag.LagPoller` service, which the worker starts with
the app.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import faust
from aiokafka.errors import KafkaError
from faust.exceptions import ProducerSendError

from workers.kafka_clients import faust_credentials
from workers.observability.endpoints import Health
from workers.observability.logs import record_context
from workers.observability.sensor import NullSensor, Sensor
from workers.pipeline.runner import Pipeline
from workers.settings import WorkerSettings
from workers.sinks import Message, OutcomeSink, Received, Routes
from workers.sinks.kafka import KafkaSink, Publisher
from workers.stream import exits
from workers.stream.agent import BatchHandler, Commit, OnError, PipelineProcess
from workers.stream.committed import CommittedOffsets
from workers.stream.lag import LagPoller, LagTracker
from workers.stream.transport import App

log = logging.getLogger(__name__)

AGENT_NAME = "khabar.enrich"


@dataclass
class StreamApp:
    app: faust.App
    #: The agent (``agent.test_context()`` runs it without a broker).
    agent: Any
    handler: BatchHandler
    #: Started by the worker beside the app (``faust.Worker(app, lag_poller)``).
    lag_poller: LagPoller


class FaustSend:
    """The sink's ``Send`` over the app's own producer (started on first use)."""

    def __init__(self, app: faust.App) -> None:
        self._app = app
        self._producer: Any = None

    async def __call__(self, message: Message) -> asyncio.Future[Any]:
        if self._producer is None:
            self._producer = await self._app.maybe_start_producer()
        # Straight to the producer: Topic.send yields to the event loop three times per record
        # (its producer lookup is a stampede guard that sleeps), so the sender ran between every
        # two records and wrote one to three of them per produce request.
        future: asyncio.Future[Any] = await self._producer.send(
            message.topic, message.key, message.value, None, None, message.headers
        )
        return future


def build_app(
    settings: WorkerSettings,
    pipeline: Pipeline,
    health: Health | None = None,
    sensor: Sensor | None = None,
    *,
    sink: OutcomeSink | None = None,
    commit: Commit | None = None,
    on_error: OnError | None = None,
) -> StreamApp:
    """The worker's app. ``sink`` (default: the Kafka sink on the app's producer), ``commit``
    (default: ack the events and commit through Faust's consumer) and ``on_error`` (default:
    exit without committing) are injectable, so the agent runs in ``agent.test_context()``."""
    health = health or Health()
    sensor = sensor or NullSensor()
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
    input_topic = settings.input_topic
    publisher = Publisher(FaustSend(app))
    tracker = LagTracker()

    async def forward(received: Sequence[Received]) -> None:
        await publisher.publish([Message(settings.output_topic, r.key, r.value) for r in received])

    async def commit_offsets(events: Sequence[Any]) -> None:
        for event in events:
            event.ack()
        try:
            await app.consumer.commit()
        except Exception as exc:  # a rebalance in progress: Faust commits the acked offsets later
            log.warning(
                "cannot commit offsets now (%s); they are committed later", str(exc) or type(exc).__name__
            )

    handler = BatchHandler(
        input_topic=input_topic,
        sink=sink or KafkaSink(publisher, Routes(settings.output_topic, settings.dlq_topic), sensor),
        sensor=sensor,
        lag=tracker,
        commit=commit or commit_offsets,
        on_error=on_error or _abandoner(sensor),
        process=PipelineProcess(pipeline, sensor) if settings.enrich else None,
        forward=None if settings.enrich else forward,
    )

    @app.agent(raw_topic, name=AGENT_NAME)
    async def enrich(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
            await handler.handle(events)

    lag_poller = LagPoller(
        topic=input_topic,
        group_id=settings.group_id,
        interval_s=settings.lag_interval_s,
        tracker=tracker,
        consumer=lambda: app.consumer,
        committed=CommittedOffsets(settings, settings.group_id),
        sensor=sensor,
        on_broker_answer=health.broker_answered,
    )

    # Faust calls these with the full new assignment (after revoking the old one), so readiness
    # drops for the length of a rebalance and comes back with the partitions this worker got.
    @app.on_partitions_revoked.connect
    def on_revoked(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        health.assigned(())

    @app.on_partitions_assigned.connect
    def on_assigned(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        mine = lag_poller.assigned(args[0] if args else kwargs.get("assigned", ()))
        health.assigned((input_topic, p) for p in mine)
        tracker.keep_only(mine)
        log.info("assigned %s partitions %s", input_topic, sorted(mine))

    return StreamApp(app, enrich, handler, lag_poller)


def _abandoner(sensor: Sensor) -> OnError:
    def abandon(received: Sequence[Received], exc: Exception) -> NoReturn:
        _abandon_batch(sensor, received, exc)

    return abandon


def _abandon_batch(sensor: Sensor, received: Sequence[Received], exc: Exception) -> NoReturn:
    """Exit without committing the batch: a restarted worker (or another group member) gets it again."""
    publishing = isinstance(exc, KafkaError | ProducerSendError)
    code = exits.PUBLISH_FAILED if publishing else exits.INTERNAL_ERROR
    sensor.on_failure("publish" if publishing else "stream", type(exc).__name__)
    first = received[0].origin
    log.critical(
        "%s a batch of %d records from %s[%s]@%s failed (%s); exiting with code %d without committing it, "
        "so that a restarted worker enriches it again",
        "publishing" if publishing else "processing",
        len(received),
        first.topic,
        first.partition,
        first.offset,
        str(exc) or type(exc).__name__,
        code,
        exc_info=not publishing,
        extra=record_context(topic=first.topic, partition=first.partition, offset=first.offset),
    )
    exits.exit_now(code)
