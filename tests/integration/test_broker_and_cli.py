"""The embedded broker, `khabar produce` and `khabar demo`, against the real broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tests.conftest import Topics, WorkerProcess
from tests.kafka_io import read_topic
from workers.broker import BrokerError, EmbeddedBroker, free_port

pytestmark = pytest.mark.broker


def khabar(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | (env or {}),
        check=False,
    )


def test_a_taken_port_is_a_clear_error(broker: EmbeddedBroker) -> None:
    with pytest.raises(BrokerError, match="already in use"):
        EmbeddedBroker(port=broker.port).start()
    assert broker.alive(), "the running broker must survive a second one trying its port"


def test_produce_publishes_every_line_keyed_by_id(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    src = tmp_path / "articles.jsonl"
    lines = [orjson.dumps({"id": f"p-{i}", "body": f"Article {i} from Doha."}) for i in range(25)]
    src.write_bytes(b"\n".join([*lines, b"not json at all"]) + b"\n")
    result = khabar(
        "produce", str(src), "--broker", broker.bootstrap, "--topic", topics.input, "--no-progress"
    )
    assert result.returncode == 0, result.stderr
    assert f"published 26 records to {topics.input}" in result.stdout
    records = read_topic(broker.bootstrap, topics.input, expected=26)
    assert len(records) == 26
    keyed = {m.key(): m.value() for m in records}
    assert keyed[b"p-7"] == lines[7]
    assert keyed[None] == b"not json at all"


def test_worker_metrics_count_what_flowed(
    broker: EmbeddedBroker, topics: Topics, worker: WorkerProcess, tmp_path: Path
) -> None:
    src = tmp_path / "a.jsonl"
    src.write_bytes(
        b"\n".join(orjson.dumps({"id": f"m-{i}", "body": "Rain in London."}) for i in range(5)) + b"\n{bad\n"
    )
    assert khabar("produce", str(src), "--broker", broker.bootstrap, "--topic", topics.input).returncode == 0
    assert len(read_topic(broker.bootstrap, topics.output, expected=5)) == 5
    deadline = time.monotonic() + 30
    text = ""
    while time.monotonic() < deadline:
        text = worker.metrics() or ""
        if 'khabar_articles_dead_lettered_total{reason="not_json"} 1.0' in text:
            break
        time.sleep(0.5)
    assert "khabar_articles_enriched_total 5.0" in text, text
    assert "khabar_articles_consumed_total 6.0" in text
    assert 'khabar_articles_dead_lettered_total{reason="not_json"} 1.0' in text
    assert 'khabar_stage_duration_seconds_count{stage="locations"} 5.0' in text


def test_demo_prints_enriched_events_and_dead_letters() -> None:
    result = khabar(
        "demo", "--exit-when-done", "--metrics-port", str(free_port()), "--timeout", "90", timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for name in ("Doha (QA", "Riyadh (SA", "Tel Aviv (IL", "London (GB"):
        assert name in out, out
    assert "dead letter (not_json)" in out
    assert "dead letter (schema_violation)" in out
    assert "all 7 articles processed" in out


def test_demo_stops_with_the_worker_s_log_when_the_worker_cannot_start() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = khabar("demo", "--metrics-port", str(port), "--timeout", "600", timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the worker exited with code" in result.stderr
    assert "Address already in use" in result.stderr
    assert time.monotonic() - started < 240  # it did not wait for the 600 s timeout


def test_worker_gives_up_on_an_unreachable_broker_with_its_exit_code() -> None:
    secret = "never-in-a-log-line"
    result = khabar(
        "worker",
        "--broker",
        f"127.0.0.1:{free_port()}",
        "--broker-wait",
        "3",
        "--metrics-port",
        "0",
        env={"KHABAR_NER": "false", "KHABAR_SASL_PASSWORD": secret},
        timeout=120,
    )
    assert result.returncode == 5, result.stderr[-2000:]
    assert "unreachable (attempt 1)" in result.stderr
    assert "Error: broker 127.0.0.1:" in result.stderr and "unreachable for" in result.stderr
    assert secret not in result.stdout + result.stderr
