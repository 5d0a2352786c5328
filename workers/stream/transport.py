"""Faust's aiokafka transport with the consumer's fetch wait of Kafka's own clients.

Faust builds its worker consumer with ``fetch_max_wait_ms=1500`` written into the code, where
Kafka's consumers (Java's, librdkafka's, aiokafka's) wait 500 ms. The wait is not only an idle
poll's length: aiokafka keeps one fetch in flight per broker, and fetches a partition whose
records are all read while others still hold unread ones. When that partition has nothing new,
the broker holds the fetch for the whole wait, and the other partitions, read to their end
meanwhile, cannot be fetched until it returns. Draining a backlog, a worker stalled 1.2-1.5 s
each time one partition got ahead of the others: most of the pass-through bench's time.
"""

from __future__ import annotations

from typing import Any, ClassVar

import aiokafka
import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import ConsumerT, TransportT

#: Kafka's default ``fetch.max.wait.ms``; also what ``khabar bench``'s raw relay (a) uses.
FETCH_MAX_WAIT_MS = 500


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # The constructor keeps the value for start(), which builds the fetcher with it.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer: ClassVar[type[ConsumerT]] = _Consumer


class App(faust.App):
    """``faust.App`` whose consumer is :class:`Transport`'s (the producer is Faust's own)."""

    def _new_transport(self) -> TransportT:
        return Transport(self.conf.broker_consumer, self)
