"""Running the Faust app as a long-lived worker process."""

from __future__ import annotations

import logging
import time

import faust

from workers import metrics
from workers.pipeline.runner import Pipeline
from workers.settings import WorkerSettings
from workers.stream.app import build_app

log = logging.getLogger(__name__)


def run_worker(settings: WorkerSettings) -> None:
    """Blocks until SIGINT/SIGTERM; Faust's worker installs the signal handlers and exits the process."""
    started = time.perf_counter()
    pipeline = Pipeline.from_settings(settings, observer=metrics.observe_stage)
    log.info("enrichment models loaded in %.2fs: %s", time.perf_counter() - started, pipeline.models)
    metrics.serve(settings.metrics_host, settings.metrics_port)
    if settings.metrics_port:
        log.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    app = build_app(settings, pipeline)
    log.info(
        "worker %s: %s -> %s (dead letters: %s) on %s",
        settings.group_id,
        settings.input_topic,
        settings.output_topic,
        settings.dlq_topic,
        settings.broker,
    )
    faust.Worker(app, loglevel=settings.log_level, quiet=True).execute_from_commandline()
