"""Enriched events as JSON Lines (``khabar enrich``): one line per event; dead letters are kept
with their line number for the report, since a file has no dead-letter topic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from workers.core.outcomes import DeadLetter, Outcome
from workers.sinks.routing import Received


class JsonlSink:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.enriched = 0
        #: (line number, dead letter): a received record's offset is its line number.
        self.rejected: list[tuple[int, DeadLetter]] = []

    async def write(self, batch: Sequence[tuple[Received, Outcome]]) -> None:
        for received, outcome in batch:
            if isinstance(outcome, DeadLetter):
                self.rejected.append((received.origin.offset, outcome))
            else:
                self.out.write(outcome.value + b"\n")
                self.enriched += 1
