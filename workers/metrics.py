"""Prometheus metrics. One ``khabar_`` prefix, base units, bounded label values only."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

from workers.pipeline.errors import Reason

CONSUMED = Counter("khabar_articles_consumed", "Raw article records read from the input topic.")
ENRICHED = Counter("khabar_articles_enriched", "Enriched events published.")
DEAD_LETTERED = Counter(
    "khabar_articles_dead_lettered", "Records sent to the dead-letter topic, by reason.", ["reason"]
)
#: News articles take milliseconds with the gazetteer and up to seconds with NER on long texts.
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PROCESSING_SECONDS = Histogram(
    "khabar_article_processing_seconds",
    "Time to enrich one article, decode to encode.",
    buckets=_LATENCY_BUCKETS,
)
STAGE_SECONDS = Histogram(
    "khabar_stage_duration_seconds",
    "Time spent in one enrichment stage for one article.",
    ["stage"],
    buckets=_LATENCY_BUCKETS,
)


def observe_stage(stage: str, seconds: float) -> None:
    STAGE_SECONDS.labels(stage=stage).observe(seconds)


def count_dead_letter(reason: Reason) -> None:
    DEAD_LETTERED.labels(reason=reason).inc()


def serve(host: str, port: int) -> None:
    """Serve /metrics from a background thread (port 0 disables it)."""
    if port:
        start_http_server(port, addr=host)
