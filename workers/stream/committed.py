"""The consumer group's committed offsets, read through the broker's public admin API.

Faust holds the offsets it read and committed only in private attributes; the group
coordinator answers the same question through a public request, with the worker's credentials.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiokafka import TopicPartition

from workers import kafka_clients
from workers.settings import KafkaSettings


class CommittedOffsets:
    """One admin connection for the life of the worker, opened on first use: until then the
    broker may not be reachable yet, and most polls never need it."""

    def __init__(self, settings: KafkaSettings, group_id: str) -> None:
        self._settings = settings
        self._group_id = group_id
        self._admin: Any = None
        self._closed = False

    async def fetch(self, topic: str, partitions: Iterable[int]) -> dict[int, int | None]:
        """The group's committed offset per partition; None where it has committed none. A
        partition the broker left out of its answer is left out here too: unknown, not "none"."""
        wanted = [TopicPartition(topic, p) for p in partitions]
        if not wanted:
            return {}
        if self._closed:
            raise RuntimeError("committed-offset reader is closed")
        if self._admin is None:
            self._admin = kafka_clients.admin(self._settings)
        # A failed start leaves the client unstarted; the next poll tries again.
        await self._admin.start()
        answer = await self._admin.list_consumer_group_offsets(self._group_id, partitions=wanted)
        result: dict[int, int | None] = {}
        for tp in wanted:
            if tp in answer:
                offset = answer[tp].offset
                result[tp.partition] = offset if offset >= 0 else None  # Kafka's -1: no commit
        return result

    async def close(self) -> None:
        self._closed = True
        if self._admin is not None:
            admin, self._admin = self._admin, None
            await admin.close()
