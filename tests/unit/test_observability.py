"""Metrics, probes and logs, without a broker: the WSGI app is called directly (no sockets)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry, Counter

from workers.core.outcomes import DeadLetter, Enriched
from workers.core.records import Article, Entity, LanguageTag
from workers.observability.endpoints import Health, make_app
from workers.observability.logs import JsonFormatter, logging_config, record_context
from workers.observability.metrics import PrometheusSensor
from workers.pipeline.runner import Pipeline
from workers.stream.lag import LagTracker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def call(app: Any, path: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body: Iterable[bytes] = app(
        {"PATH_INFO": path, "REQUEST_METHOD": "GET", "QUERY_STRING": ""}, start_response
    )
    return seen["status"], seen["headers"], b"".join(body)


def test_readiness_needs_models_partitions_and_a_recent_broker_answer() -> None:
    clock = Clock()
    sensor = PrometheusSensor()
    health = Health(broker_timeout_s=15, clock=clock, sensor=sensor)
    app = make_app(health, sensor.registry)
    status, _, body = call(app, "/readyz")
    assert status.startswith("503")
    checks = orjson.loads(body)["checks"]
    assert {name: c["ok"] for name, c in checks.items()} == {
        "models": False,
        "partitions": False,
        "broker": False,
    }

    health.models_loaded()
    health.broker_answered()
    status, _, body = call(app, "/readyz")
    assert status.startswith("503"), "models alone are not enough: no partition is assigned yet"
    assert orjson.loads(body)["checks"]["partitions"] == {"ok": False, "assigned": 0}

    health.assigned([("articles.raw", 0), ("articles.raw", 2)])
    status, headers, body = call(app, "/readyz")
    assert status.startswith("200"), body
    assert headers["Content-Type"] == "application/json"
    assert orjson.loads(body)["checks"]["partitions"] == {"ok": True, "assigned": 2}
    # The gauge reads this state when scraped; the partitions gauge was told on assignment.
    assert sensor.registry.get_sample_value("khabar_ready") == 1.0
    assert sensor.registry.get_sample_value("khabar_consumer_assigned_partitions") == 2.0

    clock.now += 16  # the broker stopped answering the lag poll
    status, _, body = call(app, "/readyz")
    assert status.startswith("503")
    assert orjson.loads(body)["checks"]["broker"]["ok"] is False

    health.broker_answered()
    health.assigned(())  # a rebalance revoked everything
    assert not health.ready()
    assert sensor.registry.get_sample_value("khabar_ready") == 0.0


def test_each_sensor_has_its_own_registry_with_the_process_metrics() -> None:
    # Two sensors (two tests, two apps in one process) never collide, and the registry /metrics
    # serves carries the process collectors the dashboards read (resident memory, CPU).
    first, second = PrometheusSensor(), PrometheusSensor()
    first.on_batch(3)
    assert first.registry.get_sample_value("khabar_articles_consumed_total") == 3.0
    assert second.registry.get_sample_value("khabar_articles_consumed_total") == 0.0
    status, _, body = call(make_app(Health(), first.registry), "/metrics")
    assert status.startswith("200")
    assert b"process_resident_memory_bytes" in body and b"khabar_batch_size_bucket" in body


def test_healthz_metrics_and_unknown_paths() -> None:
    registry = CollectorRegistry()
    Counter("khabar_probe_test", "A counter only this test registers.", registry=registry).inc(3)
    app = make_app(Health(), registry)
    assert call(app, "/healthz")[0].startswith("200")
    status, headers, body = call(app, "/metrics")
    assert status.startswith("200")
    assert headers["Content-Type"].startswith("text/plain")
    assert b"khabar_probe_test_total 3.0" in body
    status, _, body = call(app, "/nope")
    assert status.startswith("404")
    assert orjson.loads(body)["endpoints"] == ["/metrics", "/healthz", "/readyz"]


def test_content_counters_use_only_bounded_labels() -> None:
    sensor = PrometheusSensor()
    event = {
        "language": {"code": "ar"},
        "locations": [{"country_code": "QA", "name": "الدوحة"}, {"country_code": None, "name": "Europe"}],
        "entities": [{"label": "PER", "text": "someone"}],
    }
    sensor.on_published(Enriched(b"k", b"{}", event), None)
    sample = sensor.registry.get_sample_value
    assert sample("khabar_articles_enriched_total") == 1.0
    assert sample("khabar_locations_total", {"country": "QA"}) == 1.0
    assert sample("khabar_locations_total", {"country": "none"}) == 1.0
    assert sample("khabar_entities_total", {"label": "PER"}) == 1.0
    assert sample("khabar_articles_by_language_total", {"language": "ar"}) == 1.0
    for family in sensor.locations.collect():
        assert all(s.labels.get("country") != "الدوحة" for s in family.samples)
    sensor.on_published(DeadLetter("not_json", "decode", "x", None, "not_json"), None)
    assert sample("khabar_articles_dead_lettered_total", {"reason": "not_json"}) == 1.0
    assert sample("khabar_articles_enriched_total") == 1.0


def test_end_to_end_latency_ignores_missing_timestamps_and_clock_skew() -> None:
    sensor = PrometheusSensor()
    letter = DeadLetter("not_json", "decode", "x", None, "not_json")

    def count() -> float | None:
        return sensor.registry.get_sample_value("khabar_end_to_end_latency_seconds_count")

    sensor.on_published(letter, None)
    assert count() == 0.0
    sensor.on_published(letter, time.time() + 0.5)  # producer clock ahead of ours
    assert count() == 1.0
    assert sensor.registry.get_sample_value("khabar_end_to_end_latency_seconds_sum") == 0.0


def test_lag_is_end_offset_minus_next_offset_never_negative() -> None:
    lag = LagTracker()
    lag.processed(0, 9)
    lag.processed(0, 4)  # an older offset acknowledged later must not move it back
    lag.processed(1, 99)
    ends = {0: 25, 1: 50, 2: 7, 3: None}
    assert lag.lags(ends, positions={2: 3}) == {0: 15, 1: 0, 2: 4}
    lag.keep_only([0])
    assert lag.next_offset(1) is None
    assert lag.lags({1: 10}, positions={1: 10}) == {1: 0}


def test_lag_counts_records_received_but_not_processed_yet() -> None:
    lag = LagTracker()
    # The consumer prefetched partition 0 to its end (position 40) while the agent works on
    # its first batch, which starts at offset 12: 28 records are still to come out.
    lag.received(0, 12)
    lag.received(0, 13)
    assert lag.lags({0: 40}, positions={0: 40}) == {0: 28}
    lag.processed(0, 30)
    lag.received(0, 31)  # the next batch does not move it back
    assert lag.lags({0: 40}, positions={0: 40}) == {0: 9}


def test_lag_of_a_partition_not_received_yet_counts_from_the_group_commit_not_the_position() -> None:
    lag = LagTracker()
    lag.received(0, 12)
    # Prefetching has moved every position to the end (40); the group's commits are behind.
    ends = {0: 40, 1: 40, 2: 40, 3: 40, 4: 40}
    committed = {0: 5, 1: 30, 2: None, 3: 2}
    log_starts = {2: 10}
    positions = dict.fromkeys(ends, 40)
    assert lag.lags(ends, committed, log_starts, positions) == {
        0: 28,  # what reached the agent wins over the commit
        1: 10,  # end - committed
        2: 30,  # no commit: the worker resets to earliest, the log start
        3: 38,  # however far behind the position it is
        4: 0,  # the group's offsets were not answered for: the position, last resort
    }
    # No commit and no log start known: nothing to count from but the position.
    assert lag.lags({9: 9}, committed={9: None}, positions={9: 7}) == {9: 2}
    assert lag.lags({9: 9}, committed={9: None}) == {}


def test_lag_gauge_drops_revoked_partitions() -> None:
    sensor = PrometheusSensor()
    sensor.on_lag("t-lag", {0: 5, 1: -3})
    assert sensor.registry.get_sample_value("khabar_consumer_lag", {"topic": "t-lag", "partition": "1"}) == 0
    sensor.on_lag("t-lag", {0: 0}, gone=[1])
    partitions = {
        s.labels["partition"] for f in sensor.lag.collect() for s in f.samples if s.labels["topic"] == "t-lag"
    }
    assert partitions == {"0"}


def test_json_logs_carry_record_context_and_nothing_else(capsys: pytest.CaptureFixture[str]) -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord(
        "workers.stream.app", logging.WARNING, __file__, 1, "dead-lettering %s", ("x",), None
    )
    context = record_context(article_id="a-1", topic="raw", partition=2, offset=41, reason="not_json")
    record.__dict__.update(context | {"password": "hunter2"})
    line = orjson.loads(formatter.format(record))
    assert line["message"] == "dead-lettering x"
    assert (line["article_id"], line["topic"], line["partition"], line["offset"]) == ("a-1", "raw", 2, 41)
    assert line["reason"] == "not_json"
    assert "password" not in line
    assert line["level"] == "WARNING"
    config = logging_config("INFO", "json")
    assert config["formatters"]["khabar"]["()"].endswith("JsonFormatter")


class WarmTagger:
    model_version = "warm 1"

    def __init__(self) -> None:
        self.loaded = False

    def warm_up(self) -> dict[str, float]:
        self.loaded = True
        return {"ner-xx": 0.25}

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        return ()


def test_warm_up_loads_the_tagger_and_reports_load_times() -> None:
    tagger = WarmTagger()
    pipeline = Pipeline.default(tagger=tagger)
    seconds = pipeline.warm_up()
    assert tagger.loaded
    assert seconds["ner-xx"] == 0.25
    assert seconds["gazetteer"] >= 0
