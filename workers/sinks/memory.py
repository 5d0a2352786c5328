"""A sink that keeps what it is given, routed exactly as the Kafka sink routes it (for tests)."""

from __future__ import annotations

from collections.abc import Sequence

from workers.core.outcomes import Outcome
from workers.sinks.routing import Message, Received, Routes


class ListSink:
    def __init__(self, routes: Routes = Routes("articles.enriched", "articles.dlq")) -> None:  # noqa: B008
        self.routes = routes
        #: Every (record, outcome) written, in order.
        self.outcomes: list[tuple[Received, Outcome]] = []
        #: The messages a Kafka sink would have published for them.
        self.messages: list[Message] = []
        #: How many times ``write`` was called: one per batch.
        self.writes = 0

    async def write(self, batch: Sequence[tuple[Received, Outcome]]) -> None:
        self.writes += 1
        for received, outcome in batch:
            self.outcomes.append((received, outcome))
            self.messages.append(self.routes.message(received, outcome))
