"""Metrics, probes and logs, without a broker: the WSGI app is called directly (no sockets)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson
import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Counter

from workers.core.records import Article, Entity, LanguageTag
from workers.observability import metrics
from workers.observability.endpoints import Health, make_app
from workers.observability.logs import JsonFormatter, logging_config, record_context
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
    health = Health(broker_timeout_s=15, clock=clock)
    app = make_app(health, CollectorRegistry())
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
    assert REGISTRY.get_sample_value("khabar_ready") == 1.0  # the gauge reads this state when scraped

    clock.now += 16  # the broker stopped answering the lag poll
    status, _, body = call(app, "/readyz")
    assert status.startswith("503")
    assert orjson.loads(body)["checks"]["broker"]["ok"] is False

    health.broker_answered()
    health.assigned(())  # a rebalance revoked everything
    assert not health.ready()


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
    before_qa = metrics.LOCATIONS.labels(country="QA")._value.get()
    before_none = metrics.LOCATIONS.labels(country="none")._value.get()
    before_per = metrics.ENTITIES.labels(label="PER")._value.get()
    before_ar = metrics.BY_LANGUAGE.labels(language="ar")._value.get()
    event = {
        "language": {"code": "ar"},
        "locations": [{"country_code": "QA", "name": "الدوحة"}, {"country_code": None, "name": "Europe"}],
        "entities": [{"label": "PER", "text": "someone"}],
    }
    metrics.count_content(event)
    assert metrics.LOCATIONS.labels(country="QA")._value.get() == before_qa + 1
    assert metrics.LOCATIONS.labels(country="none")._value.get() == before_none + 1
    assert metrics.ENTITIES.labels(label="PER")._value.get() == before_per + 1
    assert metrics.BY_LANGUAGE.labels(language="ar")._value.get() == before_ar + 1
    for family in metrics.LOCATIONS.collect():
        assert all(s.labels.get("country") != "الدوحة" for s in family.samples)


def test_end_to_end_latency_ignores_missing_timestamps_and_clock_skew() -> None:
    def count() -> float:
        return sum(
            s.value
            for f in metrics.END_TO_END_SECONDS.collect()
            for s in f.samples
            if s.name.endswith("_count")
        )

    before = count()
    metrics.observe_published(1000.0, None)
    assert count() == before
    metrics.observe_published(1000.0, 1000.5)  # producer clock ahead of ours
    assert count() == before + 1


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
    metrics.set_lag("t-lag", {0: 5, 1: -3})
    assert metrics.LAG.labels(topic="t-lag", partition="1")._value.get() == 0
    metrics.set_lag("t-lag", {0: 0}, gone=[1])
    partitions = {
        s.labels["partition"]
        for f in metrics.LAG.collect()
        for s in f.samples
        if s.labels["topic"] == "t-lag"
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
