"""Waiting for the broker at start-up: retry with backoff instead of crash-looping.

While it waits the worker serves ``/healthz`` (alive) and ``/readyz`` (not ready, broker
check failing), so an orchestrator neither restarts it nor sends it work.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time

from aiokafka.errors import (
    AuthenticationFailedError,
    AuthenticationMethodNotSupported,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)

from workers import kafka_clients
from workers.settings import KafkaSettings

log = logging.getLogger(__name__)

#: Retrying cannot fix these: the broker answered and said no.
REFUSED = (
    AuthenticationFailedError,
    AuthenticationMethodNotSupported,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)


class BrokerUnreachable(Exception):
    pass


class BrokerRefused(Exception):
    pass


def backoff_delays(first: float = 1.0, cap: float = 30.0) -> list[float]:
    """1, 2, 4, ... capped: the first few waits; the cap repeats after them."""
    delays = [first]
    while delays[-1] < cap:
        delays.append(min(cap, delays[-1] * 2))
    return delays


async def wait_for_broker(
    settings: KafkaSettings, give_up_after_s: float = 0, attempt_timeout_s: float = 10
) -> int:
    """Return once a bootstrap server answers a metadata request; the number of attempts it took.

    ``give_up_after_s`` > 0 raises :class:`BrokerUnreachable` after that long; refused
    credentials raise :class:`BrokerRefused` at once.
    """
    # aiokafka logs each refused connection at ERROR; the one warning per attempt below says it all.
    aiokafka_log = logging.getLogger("aiokafka")
    previous_level = aiokafka_log.level
    aiokafka_log.setLevel(logging.CRITICAL)
    try:
        return await _attempts(settings, give_up_after_s, attempt_timeout_s)
    finally:
        aiokafka_log.setLevel(previous_level)


async def _attempts(settings: KafkaSettings, give_up_after_s: float, attempt_timeout_s: float) -> int:
    started = time.monotonic()
    delays = backoff_delays()
    attempt = 0
    while True:
        attempt += 1
        client = kafka_clients.client(settings, request_timeout_ms=int(attempt_timeout_s * 1000))
        try:
            await asyncio.wait_for(client.bootstrap(), timeout=attempt_timeout_s)
            return attempt
        except REFUSED as exc:
            raise BrokerRefused(f"broker {settings.broker} refused the credentials: {exc}") from exc
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
        finally:
            await client.close()
        waited = time.monotonic() - started
        if give_up_after_s and waited >= give_up_after_s:
            raise BrokerUnreachable(
                f"broker {settings.broker} unreachable for {waited:.0f}s ({attempt} attempts): {reason}"
            )
        delay = delays[min(attempt, len(delays)) - 1] * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not crypto)
        log.warning(
            "broker %s unreachable (attempt %d): %s; retrying in %.1fs (not ready meanwhile)",
            settings.broker,
            attempt,
            reason,
            delay,
        )
        await asyncio.sleep(delay)
