"""What a sink is given, and where each outcome goes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from workers.core.headers import Origin, dead_letter_headers
from workers.core.outcomes import DeadLetter, Enriched, Outcome


@dataclass(frozen=True, slots=True)
class Received:
    """The input record an outcome answers."""

    origin: Origin
    key: bytes | None
    value: bytes | None
    #: The record's timestamp in epoch seconds, where it has one: the end-to-end latency's start.
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One record to publish."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] | None = None


@dataclass(frozen=True, slots=True)
class Routes:
    """Enriched events go to ``output``, dead letters to ``dlq``."""

    output: str
    dlq: str

    def message(self, received: Received, outcome: Outcome) -> Message:
        """The record that publishes ``outcome``: an event keyed by article id, or the original
        key and bytes with the headers that say why and where from."""
        if isinstance(outcome, Enriched):
            return Message(self.output, outcome.key, outcome.value)
        assert isinstance(outcome, DeadLetter)
        return Message(self.dlq, received.key, received.value, dead_letter_headers(outcome, received.origin))


class OutcomeSink(Protocol):
    async def write(self, batch: Sequence[tuple[Received, Outcome]]) -> None:
        """Publish every outcome of ``batch``; return once all are durable, raise if any failed."""
