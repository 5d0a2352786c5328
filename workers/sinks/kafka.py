"""Publishing to Kafka: a :class:`Publisher` over any producer, and the :class:`KafkaSink`.

The sink does not own a producer: the worker hands it Faust's (so outcomes share the app's
producer and its ``acks=all``), the ops commands an aiokafka one (:func:`aiokafka_send`).
Everything is sent first and awaited after, so one batch becomes a few produce requests,
not one round trip per record.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from workers.core.outcomes import DeadLetter, Outcome
from workers.observability.logs import record_context
from workers.observability.sensor import NullSensor, Sensor
from workers.sinks.routing import Message, Received, Routes

log = logging.getLogger(__name__)

#: Sends one message and returns the future of its acknowledgement, as producers' ``send`` do.
Send = Callable[[Message], Awaitable["asyncio.Future[Any]"]]


def aiokafka_send(producer: Any) -> Send:
    """``Send`` over an ``aiokafka.AIOKafkaProducer``."""

    async def send(message: Message) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = await producer.send(
            message.topic, key=message.key, value=message.value, headers=message.headers
        )
        return future

    return send


class Publisher:
    """Sends messages and waits for every acknowledgement; ``on_ack`` runs per acknowledged one."""

    def __init__(self, send: Send) -> None:
        self._send = send

    async def publish(self, messages: Sequence[Message], on_ack: Acked | None = None) -> None:
        """Send ``messages`` in order, then wait until the broker acknowledged all of them; raises
        the first failure. ``on_ack(i, seconds)`` is called when message ``i`` is acknowledged,
        ``seconds`` after it was handed to the producer."""
        pending = []
        for index, message in enumerate(messages):
            sent_at = time.perf_counter()
            future = await self._send(message)
            if on_ack is not None:
                future.add_done_callback(_when_acked(on_ack, index, sent_at))
            pending.append(future)
        await asyncio.gather(*pending)


#: ``on_ack(index of the message, seconds from send to acknowledgement)``.
Acked = Callable[[int, float], None]


def _when_acked(on_ack: Acked, index: int, sent_at: float) -> Callable[[asyncio.Future[Any]], None]:
    def done(future: asyncio.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is None:
            on_ack(index, time.perf_counter() - sent_at)

    return done


class KafkaSink:
    """Outcomes to their topics (:class:`~workers.sinks.routing.Routes`) through ``publisher``.

    ``sensor`` sees each dead letter's failure when it is sent and each outcome when the broker
    acknowledges it (with its publish time); ``log_dead_letters`` logs a warning per dead letter
    (the worker does; a replay reports its counts instead).
    """

    def __init__(
        self,
        publisher: Publisher,
        routes: Routes,
        sensor: Sensor | None = None,
        *,
        log_dead_letters: bool = True,
    ) -> None:
        self.publisher = publisher
        self.routes = routes
        self.sensor: Sensor = sensor or NullSensor()
        self.log_dead_letters = log_dead_letters

    async def write(self, batch: Sequence[tuple[Received, Outcome]]) -> None:
        messages = []
        for received, outcome in batch:
            if isinstance(outcome, DeadLetter):
                self.sensor.on_failure(outcome.stage, outcome.error_type)
                if self.log_dead_letters:
                    _log_dead_letter(received, outcome)
            messages.append(self.routes.message(received, outcome))

        def acked(index: int, seconds: float) -> None:
            received, outcome = batch[index]
            self.sensor.on_stage("publish", seconds)
            self.sensor.on_published(outcome, received.timestamp)

        await self.publisher.publish(messages, acked)


def _log_dead_letter(received: Received, letter: DeadLetter) -> None:
    origin = received.origin
    log.warning(
        "dead-lettering record %s[%s]@%s (article %s): %s at %s: %s",
        origin.topic,
        origin.partition,
        origin.offset,
        letter.article_id,
        letter.reason,
        letter.stage,
        letter.detail[:200],
        extra=record_context(
            article_id=letter.article_id,
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
            reason=letter.reason,
            stage=letter.stage,
            error_type=letter.error_type,
        ),
    )
