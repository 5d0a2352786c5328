"""Observability against real peers: a real Prometheus server scrapes two workers on the embedded
broker while they drain a backlog; promtool checks the exposition; readiness follows the
consumer group's assignment."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]
from prometheus_client.parser import text_string_to_metric_families

from tests.articles import good_articles
from tests.conftest import Topics, WorkerProcess, start_worker, stop_worker
from tests.deploy.monitoring import KNOWN_METRICS
from tests.kafka_io import PARTITIONS, commit, publish, read_topic
from tests.prometheus_server import PrometheusServer, tool
from workers.broker import EmbeddedBroker

pytestmark = pytest.mark.broker

#: Sample names Prometheus must hold once articles flowed: one per khabar_* family of the worker.
FAMILIES = {
    f"{name}_bucket" if kind == "histogram" else name
    for name, kind in KNOWN_METRICS.items()
    if name.startswith("khabar_")
}
STAGES = {"decode", "validate", "language", "entities", "locations", "assemble", "publish"}


def backlog(count: int, slow: int = 0) -> list[tuple[bytes | None, bytes]]:
    """``count`` good articles and one broken record; ``slow`` articles from three quarters on
    have their body written out 24 times, so that tagging them takes seconds, not
    milliseconds (after each worker's first batch, when every partition's lag is known)."""
    records = [(key, value) for key, value in good_articles(count, "obs") if value is not None]
    first = count * 3 // 4
    for k in range(first, min(first + slow, count)):
        key, value = records[k]
        article = orjson.loads(value)
        article["body"] = "\n\n".join([article["body"]] * 24)
        records[k] = (key, orjson.dumps(article))
    records.insert(count // 2, (b"broken", b"{not json"))
    return records


@pytest.fixture
def two_workers(broker: EmbeddedBroker, topics: Topics, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    env = {"KHABAR_LAG_INTERVAL_S": "1"}
    workers = [start_worker(broker, topics, tmp_path / f"worker-{i}.log", **env) for i in range(2)]
    yield workers
    for w in workers:
        code = stop_worker(w)
        assert code == 0, f"worker exited {code}:\n{w.log_text()[-4000:]}"


def test_prometheus_scrapes_every_family_while_two_workers_drain_a_backlog(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path, two_workers: list[WorkerProcess]
) -> None:
    good = 240
    # Short articles alone drain in about a second, less than a lag poll plus a scrape (1 s
    # each): long ones late in every partition keep the backlog there for seconds.
    publish(broker.bootstrap, topics.input, backlog(good, slow=40))
    prom = PrometheusServer(tmp_path, [f"127.0.0.1:{w.metrics_port}" for w in two_workers])
    try:
        # Not ready while models load: the endpoint is up before the models are.
        early = None
        deadline = time.monotonic() + 60
        while early is None and time.monotonic() < deadline:
            early = two_workers[0].readyz()
            time.sleep(0.1)
        assert early is not None and early[0] == 503, early
        assert early[1]["checks"]["models"]["ok"] is False, early

        enriched_seen: list[float] = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            value = prom.scalar("sum(khabar_articles_enriched_total)")
            if value is not None and (not enriched_seen or value != enriched_seen[-1]):
                enriched_seen.append(value)
            if value == good:
                break
            time.sleep(0.5)
        assert enriched_seen and enriched_seen[-1] == good, (enriched_seen, two_workers[0].log_text()[-3000:])
        assert len(enriched_seen) >= 2 and enriched_seen == sorted(enriched_seen), enriched_seen
        outputs = read_topic(broker.bootstrap, topics.output, expected=good)
        assert len({m.key() for m in outputs}) == good

        # Both processes are scraped and share the work: metrics add up across instances.
        per_instance = prom.query("khabar_articles_enriched_total")
        assert len(per_instance) == 2 and all(float(s["value"][1]) > 0 for s in per_instance), per_instance
        assert prom.scalar('count(up{job="khabar"} == 1)') == 2
        assert prom.scalar("count(khabar_ready == 1)") == 2
        assert prom.scalar('sum(khabar_articles_dead_lettered_total{reason="not_json"})') == 1

        # Lag was visible while the backlog existed, and is 0 once it is drained.
        start = time.time() - 300
        lag_range = prom.api(
            "query_range", query="sum(khabar_consumer_lag)", start=start, end=time.time(), step=1
        )["result"]
        assert lag_range and max(float(v) for _, v in lag_range[0]["values"]) > 0, lag_range
        deadline = time.monotonic() + 30
        while prom.scalar("sum(khabar_consumer_lag)") != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert prom.scalar("sum(khabar_consumer_lag)") == 0
        assert prom.scalar("count(khabar_consumer_lag)") == 4, "one lag series per input partition"

        names = {s["metric"]["__name__"] for s in prom.query('group by (__name__) ({__name__=~"khabar_.+"})')}
        assert names >= FAMILIES, sorted(FAMILIES - names)
        stages = {
            s["metric"]["stage"] for s in prom.query("group by (stage) (khabar_stage_duration_seconds_count)")
        }
        assert stages >= STAGES, stages
        countries = {s["metric"]["country"] for s in prom.query("khabar_locations_total")}
        assert {"QA", "SA", "GB"} <= countries, countries
        languages = {s["metric"]["language"] for s in prom.query("khabar_articles_by_language_total")}
        assert languages == {"ar", "en"}
        assert prom.scalar("histogram_quantile(0.99, sum by (le) (khabar_end_to_end_latency_seconds_bucket))")

        # The project's alert and recording rules load and evaluate without errors on live series.
        groups = prom.api("rules")["groups"]
        rules = [r for g in groups for r in g["rules"]]
        assert rules, "no rules loaded from deploy/prometheus/rules"
        broken = [(r["name"], r.get("lastError")) for r in rules if r.get("health") not in ("ok", "unknown")]
        assert not broken, broken
    finally:
        prom.close()


def lag_gauges(worker: WorkerProcess, topic: str) -> dict[int, float]:
    """``khabar_consumer_lag`` of ``topic`` per partition, as the worker exposes it now."""
    text = worker.metrics(timeout=2)
    if text is None:  # not listening yet
        return {}
    return {
        int(sample.labels["partition"]): sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "khabar_consumer_lag"
        for sample in family.samples
        if sample.labels["topic"] == topic
    }


def test_lag_counts_from_the_group_commit_until_the_agent_reaches_a_partition(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    """The group committed partway into every partition, with a backlog behind. Once assigned,
    the consumer prefetches all of it (its position runs to the end), while the agent is handed
    nothing for seconds (a batch window longer than the lag poll): the lag must read the whole
    backlog, end - committed, not ~0; then fall to 0 as exactly that backlog is enriched."""
    end = 9
    committed = {0: 1, 1: 3, 2: 5, 3: 7}
    for p in range(PARTITIONS):
        records = [(key, value) for key, value in good_articles(end, f"lag-{p}") if value is not None]
        publish(broker.bootstrap, topics.input, records, partition=p)
    commit(broker.bootstrap, topics.group, topics.input, committed)
    backlog = {p: end - offset for p, offset in committed.items()}

    env = {
        "KHABAR_NER": "false",
        "KHABAR_LAG_INTERVAL_S": "1",
        "KHABAR_BATCH_SIZE": str(sum(backlog.values()) + 1),
        "KHABAR_BATCH_WITHIN_S": "8",
    }
    worker = start_worker(broker, topics, tmp_path / "worker.log", **env)
    try:
        lags: dict[int, float] = {}
        deadline = time.monotonic() + 90
        # The first poll after the assignment reports every partition at once.
        while len(lags) < PARTITIONS and time.monotonic() < deadline and worker.proc.poll() is None:
            lags = lag_gauges(worker, topics.input)
            time.sleep(0.1)
        assert lags == backlog, worker.log_text()[-3000:]

        outputs = read_topic(broker.bootstrap, topics.output, expected=sum(backlog.values()), linger=1)
        expected_ids = {
            f"lag-{p}-{i}".encode() for p, offset in committed.items() for i in range(offset, end)
        }
        assert sorted(m.key() for m in outputs) == sorted(expected_ids)
        deadline = time.monotonic() + 30
        while any(lags.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
            lags = lag_gauges(worker, topics.input)
        assert lags == dict.fromkeys(backlog, 0)
    finally:
        code = stop_worker(worker)
        assert code == 0, f"worker exited {code}:\n{worker.log_text()[-4000:]}"


def test_promtool_finds_no_problem_in_the_exposition(
    worker: WorkerProcess, broker: EmbeddedBroker, topics: Topics
) -> None:
    publish(broker.bootstrap, topics.input, backlog(5))
    read_topic(broker.bootstrap, topics.output, expected=5)
    exposition = worker.metrics()
    assert exposition is not None and "khabar_articles_enriched_total" in exposition
    check = subprocess.run(
        [tool("promtool"), "check", "metrics"],
        input=exposition.encode(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert check.returncode == 0 and not check.stdout.strip() and not check.stderr.strip(), (
        check.stdout.decode() + check.stderr.decode()
    )


def test_readiness_follows_partition_assignment(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    """One input partition, two workers: exactly one is ready; kill it and the other takes over."""
    single = f"{topics.input}-single"
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for fut in admin.create_topics([NewTopic(single, num_partitions=1, replication_factor=1)]).values():
        fut.result(timeout=30)
    one_partition = Topics(single, topics.output, topics.dlq, topics.group)
    env = {"KHABAR_NER": "false", "KHABAR_LAG_INTERVAL_S": "1"}
    workers = [start_worker(broker, one_partition, tmp_path / f"w{i}.log", **env) for i in range(2)]
    try:
        deadline = time.monotonic() + 90
        states: list[tuple[int, dict[str, Any]] | None] = [None, None]
        while time.monotonic() < deadline:
            states = [w.readyz() for w in workers]
            if all(s is not None and s[1]["checks"]["models"]["ok"] for s in states) and any(
                s is not None and s[0] == 200 for s in states
            ):
                break
            time.sleep(0.3)
        time.sleep(3)  # let a rebalance that was still in progress settle
        states = [w.readyz() for w in workers]
        codes = sorted(s[0] for s in states if s is not None)
        assert codes == [200, 503], states
        ready_i = next(i for i, s in enumerate(states) if s is not None and s[0] == 200)
        idle = states[1 - ready_i]
        assert idle is not None
        assert idle[1]["checks"]["models"]["ok"] is True
        assert idle[1]["checks"]["partitions"] == {"ok": False, "assigned": 0}, idle

        workers[ready_i].proc.send_signal(signal.SIGKILL)
        workers[ready_i].proc.wait(timeout=10)
        survivor = workers[1 - ready_i]
        deadline = time.monotonic() + 60
        state = survivor.readyz()
        while (state is None or state[0] != 200) and time.monotonic() < deadline:
            time.sleep(0.3)
            state = survivor.readyz()
        assert state is not None and state[0] == 200, (state, survivor.log_text()[-3000:])
    finally:
        for w in workers:
            if w.proc.poll() is None:
                assert stop_worker(w) == 0, w.log_text()[-3000:]
