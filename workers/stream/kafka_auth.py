"""Kafka TLS/SASL settings -> the credentials objects Faust and aiokafka take."""

from __future__ import annotations

import ssl
from typing import Any

import faust

from workers.settings import KafkaSettings


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    if "SSL" not in settings.security_protocol:
        return None
    context = ssl.create_default_context(cafile=settings.ssl_cafile)
    if settings.ssl_certfile:
        context.load_cert_chain(settings.ssl_certfile, keyfile=settings.ssl_keyfile)
    return context


def faust_credentials(settings: KafkaSettings) -> Any:
    """None for PLAINTEXT; faust.SSLCredentials or faust.SASLCredentials otherwise."""
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


def aiokafka_options(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for aiokafka producers/consumers/admin clients."""
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
