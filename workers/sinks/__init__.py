"""Where outcomes go (after Quix Streams' sinks): one protocol, three implementations.

- :class:`OutcomeSink`: ``await sink.write(batch)`` publishes one outcome per received record
  and returns once every one of them is durable; it raises if any could not be published.
- :class:`~workers.sinks.kafka.KafkaSink`: enriched events to the output topic keyed by article
  id, dead letters to the dead-letter topic with the original key, bytes and khabar's headers
  (:mod:`workers.core.headers`). The worker, ``khabar replay`` and ``khabar dlq replay`` (through
  its :class:`~workers.sinks.kafka.Publisher`) all publish this way.
- :class:`~workers.sinks.memory.ListSink`: the same routing into a list, for tests.
- :class:`~workers.sinks.jsonl.JsonlSink`: enriched events as JSON lines (``khabar enrich``).
"""

from __future__ import annotations

from workers.sinks.routing import Message, OutcomeSink, Received, Routes

__all__ = ["Message", "OutcomeSink", "Received", "Routes"]
