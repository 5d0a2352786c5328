"""The one place khabar builds Kafka clients: ``KafkaSettings`` in, a client that connects with them out.

Every aiokafka consumer, producer, admin client and bare client of the worker, the ops commands,
the demo and the bench comes from here, so none can reach the broker without its TLS and SASL
settings (the demo's admin client once did). The Faust app takes the same settings through
:func:`faust_credentials`. Of khabar this imports only :mod:`workers.settings`, so the stream, the
ops commands and the dev tools can share it without importing one another.

The factories return clients that are not started yet: callers own ``start()`` and ``stop()``.
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.client import AIOKafkaClient

from workers.settings import KafkaSettings

#: What every producer does unless a caller overrides it: wait for all in-sync replicas (nothing
#: counts as published before that), and batch what arrives within 5 ms.
PRODUCER_DEFAULTS: dict[str, Any] = {"acks": "all", "linger_ms": 5}


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    """The TLS context for ``settings`` (its CA file, and its client certificate when one is set);
    None when ``settings.security_protocol`` uses no TLS."""
    if "SSL" not in settings.security_protocol:
        return None
    context = ssl.create_default_context(cafile=settings.ssl_cafile)
    if settings.ssl_certfile:
        context.load_cert_chain(settings.ssl_certfile, keyfile=settings.ssl_keyfile)
    return context


def faust_credentials(settings: KafkaSettings) -> Any:
    """The ``broker_credentials`` of a Faust app for ``settings``: None for PLAINTEXT,
    ``faust.SSLCredentials`` for SSL, ``faust.SASLCredentials`` for SASL_*.

    Raises ``ValueError`` when SASL is asked for without a mechanism, user name and password.
    """
    # Faust is heavy to import, and only the worker needs it: the other commands never pay for it.
    import faust

    context = ssl_context(settings)
    if settings.security_protocol.startswith("SASL"):
        if not (settings.sasl_username and settings.sasl_password and settings.sasl_mechanism):
            raise ValueError(
                "SASL needs KHABAR_SASL_MECHANISM, KHABAR_SASL_USERNAME and KHABAR_SASL_PASSWORD"
            )
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            mechanism=settings.sasl_mechanism,
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def _connection(settings: KafkaSettings) -> dict[str, Any]:
    """The keyword arguments every aiokafka client takes to reach the broker of ``settings``."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_list(),
        "security_protocol": settings.security_protocol,
    }
    context = ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.sasl_mechanism
        options["sasl_plain_username"] = settings.sasl_username
        options["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    return options


def consumer(settings: KafkaSettings, *topics: str, **overrides: Any) -> AIOKafkaConsumer:
    """An unstarted ``AIOKafkaConsumer`` connected as ``settings`` says.

    Args:
        settings: bootstrap servers, security protocol, TLS files and SASL credentials.
        topics: topics to subscribe to; none leaves the consumer to ``assign()`` partitions.
        overrides: any other ``AIOKafkaConsumer`` argument (``group_id``, ``auto_offset_reset``,
            ``enable_auto_commit``, ...); aiokafka's defaults apply to the rest.
    """
    return AIOKafkaConsumer(*topics, **{**_connection(settings), **overrides})


def producer(settings: KafkaSettings, **overrides: Any) -> AIOKafkaProducer:
    """An unstarted ``AIOKafkaProducer`` connected as ``settings`` says, with ``acks="all"`` and
    ``linger_ms=5`` (:data:`PRODUCER_DEFAULTS`).

    Args:
        settings: bootstrap servers, security protocol, TLS files and SASL credentials.
        overrides: any other ``AIOKafkaProducer`` argument, or a different ``acks``/``linger_ms``.
    """
    return AIOKafkaProducer(**{**PRODUCER_DEFAULTS, **_connection(settings), **overrides})


def admin(settings: KafkaSettings, **overrides: Any) -> AIOKafkaAdminClient:
    """An unstarted ``AIOKafkaAdminClient`` connected as ``settings`` says.

    Args:
        settings: bootstrap servers, security protocol, TLS files and SASL credentials.
        overrides: any other ``AIOKafkaAdminClient`` argument (``request_timeout_ms``, ...).
    """
    return AIOKafkaAdminClient(**{**_connection(settings), **overrides})


def client(settings: KafkaSettings, **overrides: Any) -> AIOKafkaClient:
    """An ``AIOKafkaClient`` (metadata only, no consumer or producer) connected as ``settings``
    says; ``bootstrap()`` connects it.

    Args:
        settings: bootstrap servers, security protocol, TLS files and SASL credentials.
        overrides: any other ``AIOKafkaClient`` argument (``request_timeout_ms``, ...).
    """
    return AIOKafkaClient(**{**_connection(settings), **overrides})
