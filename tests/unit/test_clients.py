"""workers.kafka_clients: every client gets the settings' TLS and SASL options, and is built only there."""

from __future__ import annotations

import asyncio
import re
import ssl
from pathlib import Path
from typing import Any

import faust
import pytest
from pydantic import SecretStr

from workers import kafka_clients
from workers.settings import KafkaSettings

WORKERS = Path(kafka_clients.__file__).parent

SASL_SSL = KafkaSettings(
    broker="kafka-1:9093, kafka-2:9093",
    security_protocol="SASL_SSL",
    sasl_mechanism="SCRAM-SHA-512",
    sasl_username="khabar",
    sasl_password=SecretStr("s3cret"),
)


class Recorder:
    """Stands in for an aiokafka class: keeps what the factory passed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AIOKafkaConsumer", "AIOKafkaProducer", "AIOKafkaAdminClient", "AIOKafkaClient"):
        monkeypatch.setattr(kafka_clients, name, Recorder)


def _all_clients(settings: KafkaSettings) -> dict[str, Any]:
    return {
        "consumer": kafka_clients.consumer(settings),
        "producer": kafka_clients.producer(settings),
        "admin": kafka_clients.admin(settings),
        "client": kafka_clients.client(settings),
    }


@pytest.mark.usefixtures("recorded")
def test_every_client_gets_the_sasl_and_tls_options() -> None:
    for kind, made in _all_clients(SASL_SSL).items():
        options = made.kwargs
        assert options["bootstrap_servers"] == ["kafka-1:9093", "kafka-2:9093"], kind
        assert options["security_protocol"] == "SASL_SSL", kind
        assert isinstance(options["ssl_context"], ssl.SSLContext), kind
        assert options["sasl_mechanism"] == "SCRAM-SHA-512", kind
        assert options["sasl_plain_username"] == "khabar", kind
        assert options["sasl_plain_password"] == "s3cret", kind


@pytest.mark.usefixtures("recorded")
def test_ssl_without_sasl_and_plaintext_pass_only_what_applies() -> None:
    for made in _all_clients(KafkaSettings(broker="k:9093", security_protocol="SSL")).values():
        assert isinstance(made.kwargs["ssl_context"], ssl.SSLContext)
        assert not any(key.startswith("sasl_") for key in made.kwargs)
    for made in _all_clients(KafkaSettings(broker="k:9092")).values():
        assert made.kwargs["security_protocol"] == "PLAINTEXT"
        assert "ssl_context" not in made.kwargs
        assert not any(key.startswith("sasl_") for key in made.kwargs)


@pytest.mark.usefixtures("recorded")
def test_producer_waits_for_all_replicas_unless_told_otherwise() -> None:
    settings = KafkaSettings(broker="k:9092")
    assert kafka_clients.producer(settings).kwargs | {"bootstrap_servers": None} == {
        "acks": "all",
        "linger_ms": 5,
        "bootstrap_servers": None,
        "security_protocol": "PLAINTEXT",
    }
    assert kafka_clients.producer(settings, linger_ms=0).kwargs["linger_ms"] == 0


@pytest.mark.usefixtures("recorded")
def test_consumer_topics_and_overrides_pass_through() -> None:
    made = kafka_clients.consumer(SASL_SSL, "a", "b", group_id=None, auto_offset_reset="earliest")
    assert made.args == ("a", "b")
    assert made.kwargs["group_id"] is None and made.kwargs["auto_offset_reset"] == "earliest"
    assert made.kwargs["sasl_plain_username"] == "khabar"
    assert "enable_auto_commit" not in made.kwargs, "aiokafka's defaults for what callers leave out"
    timed = kafka_clients.client(SASL_SSL, request_timeout_ms=2500)
    assert timed.kwargs["request_timeout_ms"] == 2500


def test_aiokafka_accepts_the_options() -> None:
    """The real classes, unstarted (nothing connects): the credentials reach their network client."""

    async def build() -> list[Any]:
        consumer = kafka_clients.consumer(SASL_SSL, "a")
        producer = kafka_clients.producer(SASL_SSL)
        admin = kafka_clients.admin(SASL_SSL)
        client = kafka_clients.client(SASL_SSL)
        networks = [consumer._client, producer.client, admin._client, client]
        await consumer.stop()
        await producer.stop()
        await admin.close()
        await client.close()
        return networks

    for network in asyncio.run(build()):
        assert network._security_protocol == "SASL_SSL"
        assert network._sasl_mechanism == "SCRAM-SHA-512"
        assert network._sasl_plain_username == "khabar"
        assert network._sasl_plain_password == "s3cret"
        assert isinstance(network._ssl_context, ssl.SSLContext)


def test_ssl_context_only_for_tls_protocols() -> None:
    assert kafka_clients.ssl_context(KafkaSettings(security_protocol="PLAINTEXT")) is None
    assert kafka_clients.ssl_context(KafkaSettings(security_protocol="SASL_PLAINTEXT")) is None
    assert isinstance(kafka_clients.ssl_context(KafkaSettings(security_protocol="SSL")), ssl.SSLContext)


def test_faust_credentials_by_protocol() -> None:
    assert kafka_clients.faust_credentials(KafkaSettings()) is None
    assert isinstance(
        kafka_clients.faust_credentials(KafkaSettings(security_protocol="SSL")), faust.SSLCredentials
    )
    sasl = kafka_clients.faust_credentials(SASL_SSL)
    assert isinstance(sasl, faust.SASLCredentials)
    assert (sasl.username, sasl.password) == ("khabar", "s3cret")
    assert isinstance(sasl.ssl_context, ssl.SSLContext)
    with pytest.raises(ValueError, match="KHABAR_SASL_PASSWORD"):
        kafka_clients.faust_credentials(
            KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="u")
        )


CONSTRUCTOR = re.compile(r"\b(AIOKafkaConsumer|AIOKafkaProducer|AIOKafkaAdminClient|AIOKafkaClient)\(")


def test_no_aiokafka_client_is_built_outside_the_factory() -> None:
    """A client built elsewhere would connect without the settings' TLS and SASL options."""
    found = [
        f"{path.relative_to(WORKERS.parent)}:{number}: {line.strip()}"
        for path in sorted(WORKERS.rglob("*.py"))
        if path != Path(kafka_clients.__file__)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if CONSTRUCTOR.search(line)
    ]
    assert not found, "build Kafka clients with workers.kafka_clients:\n" + "\n".join(found)
