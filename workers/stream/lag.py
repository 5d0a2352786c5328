"""Consumer lag per input partition, as the worker itself sees it.

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

from collections.abc import Iterable, Mapping


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
