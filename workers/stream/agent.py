"""What the worker does with each batch the Faust agent takes: process, publish, account, commit.

:class:`BatchHandler` holds no Faust state: the agent in :mod:`workers.stream.app` is one
``async for`` over ``stream.take_events`` that hands each batch here, so the order that makes the
delivery guarantee is in one method, :meth:`BatchHandler.handle`:

1. run the pipeline off the event loop (heartbeats keep flowing while the CPU works);
2. write every outcome to the sink, which returns once the broker acknowledged all of them;
3. only then mark the batch's records done and commit their offsets.

Committing each batch as soon as its outputs are acknowledged bounds what a crash or a failover
re-processes to the batches in flight, instead of everything since Faust's last periodic commit
(seconds of records). Any failure in 1-2 goes to ``on_error``, which in the worker exits without
committing, so the batch is delivered again (at-least-once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from workers.core.headers import Origin
from workers.core.outcomes import Enriched, Outcome
from workers.core.stages import ENTITIES
from workers.observability.sensor import Sensor
from workers.pipeline.runner import Pipeline
from workers.sinks import OutcomeSink, Received
from workers.stream.lag import LagTracker

log = logging.getLogger(__name__)

#: Runs a batch of record values through the enrichment, one outcome per value, in order.
Process = Callable[[Sequence[bytes | None]], Awaitable[list[Outcome]]]
#: Publishes records unchanged (pass-through mode, ``KHABAR_ENRICH=false``).
Forward = Callable[[Sequence[Received]], Awaitable[None]]
#: Marks a batch's events done and commits their offsets.
Commit = Callable[[Sequence[Any]], Awaitable[None]]
#: Told about a batch that could not be processed or published; the worker's exits the process.
OnError = Callable[[Sequence[Received], Exception], None]


class PipelineProcess:
    """:data:`Process` over a pipeline, in one worker thread: the pipeline is CPU-bound and holds
    the GIL, so more threads would only contend for it."""

    def __init__(self, pipeline: Pipeline, sensor: Sensor, executor: Executor | None = None) -> None:
        self.pipeline = pipeline
        self.sensor = sensor
        self.executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-enrich")

    async def __call__(self, values: Sequence[bytes | None]) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        dropped_before = self._spans_dropped()
        outcomes = await loop.run_in_executor(self.executor, self._run, values)
        self.sensor.on_spans_dropped(self._spans_dropped() - dropped_before)
        return outcomes

    def _run(self, values: Sequence[bytes | None]) -> list[Outcome]:
        started = time.perf_counter()
        outcomes = self.pipeline.process_many(values)
        share = (time.perf_counter() - started) / max(1, len(outcomes))
        for outcome in outcomes:
            # An enriched event knows its own decode-to-encode time (batched tagging included); a
            # dead letter, rejected early, is charged its share of the batch.
            if isinstance(outcome, Enriched):
                self.sensor.on_processed(outcome.event["processing"]["duration_s"])
            else:
                self.sensor.on_processed(share)
        return outcomes

    def _spans_dropped(self) -> int:
        try:
            tagger = getattr(self.pipeline.stage(ENTITIES), "tagger", None)
        except KeyError:
            return 0
        stats = getattr(tagger, "stats", None)
        return int(stats["spans_dropped_unverified"]) if stats is not None else 0


def received_of(event: Any) -> Received:
    """The record a Faust event carries."""
    msg = event.message
    return Received(Origin(msg.topic, msg.partition, msg.offset), msg.key, msg.value, msg.timestamp)


class BatchHandler:
    """One batch at a time: see the module's docstring for the order and why.

    ``process`` None means pass-through: records are ``forward``-ed unchanged.
    """

    def __init__(
        self,
        *,
        input_topic: str,
        sink: OutcomeSink,
        sensor: Sensor,
        lag: LagTracker,
        commit: Commit,
        on_error: OnError,
        process: Process | None = None,
        forward: Forward | None = None,
    ) -> None:
        if process is None and forward is None:
            raise ValueError("a batch handler needs a process or, for pass-through, a forward")
        self.input_topic = input_topic
        self.sink = sink
        self.sensor = sensor
        self.lag = lag
        self.commit = commit
        self.on_error = on_error
        self.process = process
        self.forward = forward

    async def handle(self, events: Sequence[Any]) -> None:
        received = [received_of(event) for event in events]
        self.sensor.on_batch(len(received))
        for r in received:
            if r.origin.topic == self.input_topic:
                self.lag.received(r.origin.partition, r.origin.offset)
        self.sensor.on_in_flight(len(received))
        try:
            if self.process is None:
                assert self.forward is not None
                await self.forward(received)
            else:
                outcomes = await self.process([r.value for r in received])
                await self.sink.write(list(zip(received, outcomes, strict=True)))
        except Exception as exc:
            # Raising would let Faust restart the agent and ack this batch's events, so their
            # offsets could be committed with nothing published: the error callback decides.
            self.on_error(received, exc)
            return
        finally:
            self.sensor.on_in_flight(-len(received))
        for r in received:
            if r.origin.topic == self.input_topic:
                self.lag.processed(r.origin.partition, r.origin.offset)
        await self.commit(events)
