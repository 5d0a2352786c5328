"""Consumer lag per input partition, as the worker itself sees it: :class:`LagTracker` keeps the
offsets, :class:`LagPoller` asks the broker and sets the gauge.

Lag is the broker's log end offset minus the next offset this worker will process:
records that exist but have not come out enriched or dead-lettered yet. The next
offset is the last acknowledged record + 1; before the worker has finished a record of a
partition, the first offset of it that reached the agent.

Before even that (right after start or a rebalance, while the agent is busy with other
partitions' batches), the consumer group's committed offset: that is where consumption of the
partition resumes. The consumer's position is no use there, because Faust prefetches: it has
usually run ahead to the end of the partition, and the lag would read ~0 over a waiting backlog.

A group that has committed nothing for a partition starts it at the log start offset, since the
worker resets to ``earliest`` (``consumer_auto_offset_reset`` in :mod:`workers.stream.app`):
that is the honest next offset then. (A commit that retention has left below the log start
overstates the lag by the deleted records until the partition's first record arrives.) Only
when the broker could not say does the consumer's position stand in, which may read low but
never invents a backlog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from faust.types import TP
from mode import Service

from workers.observability.sensor import Sensor
from workers.stream.committed import CommittedOffsets

log = logging.getLogger(__name__)


class LagTracker:
    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def processed(self, partition: int, offset: int) -> None:
        """Record ``offset`` of ``partition`` as done (its outcome acknowledged by the broker)."""
        if offset + 1 > self._next.get(partition, -1):
            self._next[partition] = offset + 1

    def received(self, partition: int, offset: int) -> None:
        """Record that ``offset`` of ``partition`` reached the agent, unprocessed as yet: the
        first such offset is the next to process (the committed offset, which the lag would
        otherwise fall back to, stays behind until Faust commits after the batch)."""
        self._next.setdefault(partition, offset)

    def keep_only(self, partitions: Iterable[int]) -> None:
        """Forget revoked partitions: another worker moves them on, so our offsets go stale."""
        keep = set(partitions)
        for partition in list(self._next):
            if partition not in keep:
                del self._next[partition]

    def next_offset(self, partition: int) -> int | None:
        return self._next.get(partition)

    def lags(
        self,
        end_offsets: Mapping[int, int | None],
        committed: Mapping[int, int | None] | None = None,
        log_starts: Mapping[int, int | None] | None = None,
        positions: Mapping[int, int | None] | None = None,
    ) -> dict[int, int]:
        """Lag per partition, never negative (a broker's end offset can trail what was read,
        Tansu's after librdkafka batches for one). Partitions with nothing known are left out.

        ``committed`` holds the group's answer for the partitions asked about: an offset, or
        None when the group has committed none there (so ``log_starts`` decides). A partition
        missing from it was not answered for, and falls back to ``positions``.
        """
        committed = committed or {}
        log_starts = log_starts or {}
        positions = positions or {}
        result: dict[int, int] = {}
        for partition, end in end_offsets.items():
            if end is None:
                continue
            done = self._next.get(partition)
            if done is None and partition in committed:
                done = committed[partition]
                if done is None:
                    done = log_starts.get(partition)
            if done is None:
                done = positions.get(partition)
            if done is None:
                continue
            result[partition] = max(0, end - done)
        return result


class LagPoller(Service):
    """A service of its own: every ``interval_s``, the broker's end offsets of the assigned input
    partitions (and the group's committed offsets of partitions the tracker has no record of
    yet), turned into the lag gauge. Each answer is also what ``/readyz`` calls "connected to
    the broker" (``on_broker_answer``).

    ``consumer`` returns the app's consumer (it is rebuilt on restarts, so it is asked each
    time); ``committed`` reads the group's offsets through the admin API.
    """

    def __init__(
        self,
        *,
        topic: str,
        group_id: str,
        interval_s: float,
        tracker: LagTracker,
        consumer: Callable[[], Any],
        committed: CommittedOffsets,
        sensor: Sensor,
        on_broker_answer: Callable[[], None],
    ) -> None:
        super().__init__()
        self.topic = topic
        self.group_id = group_id
        self.interval_s = interval_s
        self.tracker = tracker
        self._consumer = consumer
        self._committed = committed
        self._sensor = sensor
        self._on_broker_answer = on_broker_answer
        self._reported: set[int] = set()

    @Service.task
    async def _poll_forever(self) -> None:
        async for _ in self.itertimer(self.interval_s, name="khabar-lag"):
            await self.poll()

    async def on_stop(self) -> None:
        await self._committed.close()

    def assigned(self, tps: Iterable[Any]) -> set[int]:
        """The input partitions among ``tps`` (topic-partitions of every topic)."""
        return {tp.partition for tp in tps if tp.topic == self.topic}

    async def poll(self) -> None:
        """One poll; a broker that does not answer leaves the gauge as it was."""
        try:
            consumer = self._consumer()
            mine = self.assigned(consumer.assignment())
        except Exception:  # the consumer is not started yet, or is being rebuilt
            return
        gone = self._reported - mine
        tps = [TP(self.topic, p) for p in sorted(mine)]
        lags: dict[int, int] = {}
        if tps:
            unknown = [tp for tp in tps if self.tracker.next_offset(tp.partition) is None]
            try:
                async with asyncio.timeout(self.interval_s * 2):
                    ends = await consumer.highwaters(*tps)
                    committed, log_starts, positions = await self._group_starts(consumer, unknown)
            except Exception as exc:
                log.warning("cannot read end offsets of %s: %s", self.topic, str(exc) or type(exc).__name__)
                return
            self._on_broker_answer()
            ends_by_partition = {tp.partition: end for tp, end in ends.items()}
            lags = self.tracker.lags(ends_by_partition, committed, log_starts, positions)
        self._sensor.on_lag(self.topic, lags, gone)
        self._reported = set(lags)

    async def _group_starts(
        self, consumer: Any, tps: Sequence[TP]
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
                async with asyncio.timeout(self.interval_s):
                    committed = await self._committed.fetch(self.topic, (tp.partition for tp in tps))
                    uncommitted = [
                        tp for tp in tps if tp.partition in committed and committed[tp.partition] is None
                    ]
                    if uncommitted:
                        earliest = await consumer.earliest_offsets(*uncommitted)
                        log_starts = {tp.partition: offset for tp, offset in earliest.items()}
            except Exception as exc:
                log.warning(
                    "cannot read where group %s resumes %s, lag may read low: %s",
                    self.group_id,
                    self.topic,
                    str(exc) or type(exc).__name__,
                )
                committed, log_starts = {}, {}
        positions = {tp.partition: await consumer.position(tp) for tp in tps if tp.partition not in committed}
        return committed, log_starts, positions
