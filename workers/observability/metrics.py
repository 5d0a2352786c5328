"""Prometheus metrics: one ``khabar_`` prefix, base units, and only bounded label values.

Label values come from closed sets (stage names, rejection reasons, exception class names,
ISO language and country codes, entity labels, assigned partitions); article ids, titles and
place names never become labels.
"""

from __future__ import annotations

import contextlib
import platform
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from workers import __version__

# ``*_created`` series double the series count and no dashboard or alert here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONSUMED = Counter("khabar_articles_consumed", "Raw article records read from the input topic.")
ENRICHED = Counter("khabar_articles_enriched", "Enriched events published (acknowledged by the broker).")
DEAD_LETTERED = Counter(
    "khabar_articles_dead_lettered",
    "Records published to the dead-letter topic (acknowledged), by reason.",
    ["reason"],
)
FAILED = Counter(
    "khabar_articles_failed",
    "Articles that failed a stage, by stage and error type (a rejection reason or an exception class).",
    ["stage", "error_type"],
)

#: Gazetteer stages take well under a millisecond; Stanza on a long article takes seconds.
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: From the producer's timestamp to the broker's ack: milliseconds when idle, minutes in a backlog.
#: 5 s is the latency objective's threshold (deploy/prometheus/rules), so it must stay a bucket edge.
END_TO_END_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)

PROCESSING_SECONDS = Histogram(
    "khabar_article_processing_seconds",
    "Time to enrich one article, decode to encode.",
    buckets=STAGE_BUCKETS,
)
STAGE_SECONDS = Histogram(
    "khabar_stage_duration_seconds",
    "Time one article spent in one stage (decode ... assemble; publish: send to broker ack).",
    ["stage"],
    buckets=STAGE_BUCKETS,
)
END_TO_END_SECONDS = Histogram(
    "khabar_end_to_end_latency_seconds",
    "From the raw record's Kafka timestamp to the broker's ack of its enriched event or dead letter.",
    buckets=END_TO_END_BUCKETS,
)
BATCH_SIZE = Histogram(
    "khabar_batch_size", "Articles taken from the stream per batch.", buckets=BATCH_BUCKETS
)
IN_FLIGHT = Gauge("khabar_in_flight_articles", "Articles taken from the stream and not yet acknowledged.")
LAG = Gauge(
    "khabar_consumer_lag",
    "Records in an assigned input partition not yet processed: log end offset minus next offset.",
    ["topic", "partition"],
)
ASSIGNED = Gauge("khabar_consumer_assigned_partitions", "Input partitions assigned to this worker.")
MODEL_LOAD_SECONDS = Gauge(
    "khabar_model_load_seconds", "Time taken to load a model at start-up.", ["component"]
)
READY = Gauge("khabar_ready", "1 when /readyz reports ready: models loaded, partitions assigned.")
BUILD_INFO = Gauge(
    "khabar_build_info",
    "Always 1; the labels say which code and models this worker runs.",
    ["version", "python_version", "language_model", "entities_model", "locations_model"],
)
BY_LANGUAGE = Counter(
    "khabar_articles_by_language", "Enriched articles by detected language (ISO 639).", ["language"]
)
LOCATIONS = Counter(
    "khabar_locations",
    "Resolved locations by ISO-3166 alpha-2 country ('none': continents, supranational regions).",
    ["country"],
)
ENTITIES = Counter("khabar_entities", "Named entities found, by label.", ["label"])
NER_SPANS_DROPPED = Counter(
    "khabar_ner_spans_dropped",
    "NER spans dropped because their offsets did not match the article's text.",
)


def observe_stage(stage: str, seconds: float) -> None:
    STAGE_SECONDS.labels(stage=stage).observe(seconds)


def count_failure(stage: str, error_type: str) -> None:
    FAILED.labels(stage=stage, error_type=error_type).inc()


def count_content(event: Mapping[str, Any]) -> None:
    """What the news is about, in bounded labels, from one enriched event."""
    BY_LANGUAGE.labels(language=event["language"]["code"]).inc()
    for location in event["locations"]:
        LOCATIONS.labels(country=location["country_code"] or "none").inc()
    for entity in event["entities"]:
        ENTITIES.labels(label=entity["label"]).inc()


def observe_published(published_at: float, record_timestamp: float | None) -> None:
    """One outcome acknowledged: its end-to-end latency, when the record carried a timestamp."""
    if record_timestamp:
        # Clocks of producer and worker differ a little; a negative latency is clock skew, not speed.
        END_TO_END_SECONDS.observe(max(0.0, published_at - record_timestamp))


def set_build_info(models: Mapping[str, str]) -> None:
    BUILD_INFO.labels(
        version=__version__,
        python_version=platform.python_version(),
        language_model=models.get("language", ""),
        entities_model=models.get("entities", ""),
        locations_model=models.get("locations", ""),
    ).set(1)


def set_model_load_times(seconds: Mapping[str, float]) -> None:
    for component, value in seconds.items():
        MODEL_LOAD_SECONDS.labels(component=component).set(value)


def set_lag(topic: str, lags: Mapping[int, int], gone: Iterable[int] = ()) -> None:
    """Per-partition lag, clamped at 0 (a broker's high watermark can trail what was read)."""
    for partition, lag in lags.items():
        LAG.labels(topic=topic, partition=str(partition)).set(max(0, lag))
    for partition in gone:
        with contextlib.suppress(KeyError):  # never reported, so nothing to remove
            LAG.remove(topic, str(partition))
