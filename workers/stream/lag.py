"""Consumer lag per input partition, as the worker itself sees it.

Lag is the broker's log end offset minus the next offset this worker will process:
records that exist but have not come out enriched or dead-lettered yet. The next
offset is the last acknowledged record + 1; before the worker has finished a record of a
partition, the first offset of it that reached the agent; before even that, the consumer's
position there (where the group's committed offset put it, unless prefetching has already
moved it on: then the lag reads low until the partition's first batch arrives).
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
        first such offset is the next to process (the consumer's position, which the lag would
        otherwise fall back to, has run ahead by prefetching)."""
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
        self, end_offsets: Mapping[int, int | None], positions: Mapping[int, int | None]
    ) -> dict[int, int]:
        """Lag per partition, never negative (a broker's end offset can trail what was read,
        Tansu's after librdkafka batches for one). Partitions with nothing known are left out."""
        result: dict[int, int] = {}
        for partition, end in end_offsets.items():
            if end is None:
                continue
            done = self._next.get(partition)
            if done is None:
                done = positions.get(partition)
            if done is None:
                continue
            result[partition] = max(0, end - done)
        return result
