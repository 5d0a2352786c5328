"""Prometheus metrics: one ``khabar_`` prefix, base units, and only bounded label values.

:class:`PrometheusSensor` is the worker's :class:`~workers.observability.sensor.Sensor`: it
registers every ``khabar_`` family, and the process collectors the dashboards read
(``process_resident_memory_bytes``, ...), on the registry it is given, which is the one
``/metrics`` serves. Nothing is registered at import, so two sensors (two tests) never collide.

Label values come from closed sets (stage names, rejection reasons, exception class names,
ISO language and country codes, entity labels, assigned partitions); article ids, titles and
place names never become labels.
"""

from __future__ import annotations

import contextlib
import platform
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from workers import __version__
from workers.core.outcomes import Enriched, Outcome

# ``*_created`` series double the series count and no dashboard or alert here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

#: Gazetteer stages take well under a millisecond; Stanza on a long article takes seconds.
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: From the producer's timestamp to the broker's ack: milliseconds when idle, minutes in a backlog.
#: 5 s is the latency objective's threshold (deploy/prometheus/rules), so it must stay a bucket edge.
END_TO_END_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class PrometheusSensor:
    """The worker's metrics, on ``registry`` (a fresh one by default)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        # prometheus_client's default registry has these already; a registry of our own gets them too.
        if r is not REGISTRY:
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
            GCCollector(registry=r)
        self.consumed = Counter(
            "khabar_articles_consumed", "Raw article records read from the input topic.", registry=r
        )
        self.enriched = Counter(
            "khabar_articles_enriched", "Enriched events published (acknowledged by the broker).", registry=r
        )
        self.dead_lettered = Counter(
            "khabar_articles_dead_lettered",
            "Records published to the dead-letter topic (acknowledged), by reason.",
            ["reason"],
            registry=r,
        )
        self.failed = Counter(
            "khabar_articles_failed",
            "Articles that failed a stage, by stage and error type "
            "(a rejection reason or an exception class).",
            ["stage", "error_type"],
            registry=r,
        )
        self.processing_seconds = Histogram(
            "khabar_article_processing_seconds",
            "Time to enrich one article, decode to encode.",
            buckets=STAGE_BUCKETS,
            registry=r,
        )
        self.stage_seconds = Histogram(
            "khabar_stage_duration_seconds",
            "Time one article spent in one stage (decode ... assemble; publish: send to broker ack).",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=r,
        )
        self.end_to_end_seconds = Histogram(
            "khabar_end_to_end_latency_seconds",
            "From the raw record's Kafka timestamp to the broker's ack of its enriched event or dead letter.",
            buckets=END_TO_END_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "khabar_batch_size",
            "Articles taken from the stream per batch.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "khabar_in_flight_articles",
            "Articles taken from the stream and not yet acknowledged.",
            registry=r,
        )
        self.lag = Gauge(
            "khabar_consumer_lag",
            "Records in an assigned input partition not yet processed: log end offset minus next offset.",
            ["topic", "partition"],
            registry=r,
        )
        self.assigned = Gauge(
            "khabar_consumer_assigned_partitions", "Input partitions assigned to this worker.", registry=r
        )
        self.model_load_seconds = Gauge(
            "khabar_model_load_seconds", "Time taken to load a model at start-up.", ["component"], registry=r
        )
        self.ready = Gauge(
            "khabar_ready", "1 when /readyz reports ready: models loaded, partitions assigned.", registry=r
        )
        self.build_info = Gauge(
            "khabar_build_info",
            "Always 1; the labels say which code and models this worker runs.",
            ["version", "python_version", "language_model", "entities_model", "locations_model"],
            registry=r,
        )
        self.by_language = Counter(
            "khabar_articles_by_language",
            "Enriched articles by detected language (ISO 639).",
            ["language"],
            registry=r,
        )
        self.locations = Counter(
            "khabar_locations",
            "Resolved locations by ISO-3166 alpha-2 country ('none': continents, supranational regions).",
            ["country"],
            registry=r,
        )
        self.entities = Counter("khabar_entities", "Named entities found, by label.", ["label"], registry=r)
        self.ner_spans_dropped = Counter(
            "khabar_ner_spans_dropped",
            "NER spans dropped because their offsets did not match the article's text.",
            registry=r,
        )

    # -- the Sensor protocol --------------------------------------------------------------------
    def on_batch(self, size: int) -> None:
        self.consumed.inc(size)
        self.batch_size.observe(size)

    def on_in_flight(self, delta: int) -> None:
        self.in_flight.inc(delta)

    def on_stage(self, stage: str, seconds: float) -> None:
        self.stage_seconds.labels(stage=stage).observe(seconds)

    def on_processed(self, seconds: float) -> None:
        self.processing_seconds.observe(seconds)

    def on_failure(self, stage: str, error_type: str) -> None:
        self.failed.labels(stage=stage, error_type=error_type).inc()

    def on_published(self, outcome: Outcome, record_timestamp: float | None) -> None:
        if isinstance(outcome, Enriched):
            self.enriched.inc()
            self.count_content(outcome.event)
        else:
            self.dead_lettered.labels(reason=outcome.reason).inc()
        if record_timestamp:
            # Clocks of producer and worker differ a little; a negative latency is clock skew, not speed.
            self.end_to_end_seconds.observe(max(0.0, time.time() - record_timestamp))

    def on_spans_dropped(self, count: int) -> None:
        if count > 0:
            self.ner_spans_dropped.inc(count)

    def on_lag(self, topic: str, lags: Mapping[int, int], gone: Iterable[int] = ()) -> None:
        """Per-partition lag, clamped at 0 (a broker's high watermark can trail what was read)."""
        for partition, lag in lags.items():
            self.lag.labels(topic=topic, partition=str(partition)).set(max(0, lag))
        for partition in gone:
            with contextlib.suppress(KeyError):  # never reported, so nothing to remove
                self.lag.remove(topic, str(partition))

    def on_assigned(self, partitions: int) -> None:
        self.assigned.set(partitions)

    def on_models_loaded(self, load_seconds: Mapping[str, float], models: Mapping[str, str]) -> None:
        for component, value in load_seconds.items():
            self.model_load_seconds.labels(component=component).set(value)
        self.build_info.labels(
            version=__version__,
            python_version=platform.python_version(),
            language_model=models.get("language", ""),
            entities_model=models.get("entities", ""),
            locations_model=models.get("locations", ""),
        ).set(1)

    def on_readiness(self, ready: Callable[[], bool]) -> None:
        self.ready.set_function(lambda: 1.0 if ready() else 0.0)

    def count_content(self, event: Mapping[str, Any]) -> None:
        """What the news is about, in bounded labels, from one enriched event."""
        self.by_language.labels(language=event["language"]["code"]).inc()
        for location in event["locations"]:
            self.locations.labels(country=location["country_code"] or "none").inc()
        for entity in event["entities"]:
            self.entities.labels(label=entity["label"]).inc()
