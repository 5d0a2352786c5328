"""Running the Faust app as a long-lived worker process.

Start-up order matters to probes: the HTTP endpoints come first (``/healthz`` answers
while models load, ``/readyz`` says what is still missing), then the models are loaded
and run once, then the consumer joins its group.
"""

from __future__ import annotations

import logging

import faust

from workers.observability import metrics
from workers.observability.endpoints import EndpointServer, Health
from workers.observability.logs import logging_config
from workers.pipeline.runner import Pipeline
from workers.settings import WorkerSettings
from workers.stream.app import build_app

log = logging.getLogger(__name__)


def run_worker(settings: WorkerSettings) -> None:
    """Blocks until SIGINT/SIGTERM; Faust's worker installs the signal handlers and exits the process."""
    # The lag poll is the regular broker round trip; three missed polls mean the broker is gone.
    health = Health(broker_timeout_s=max(15.0, 3 * settings.lag_interval_s))
    if settings.metrics_port:
        server = EndpointServer(settings.metrics_host, settings.metrics_port, health).start()
        log.info("metrics and probes on http://%s:%d/{metrics,healthz,readyz}", server.host, server.port)
    pipeline = Pipeline.from_settings(settings, observer=metrics.observe_stage)
    load_seconds = pipeline.warm_up()
    metrics.set_model_load_times(load_seconds)
    metrics.set_build_info(pipeline.models)
    health.models_loaded()
    log.info(
        "models loaded (%s): %s",
        ", ".join(f"{name} {seconds:.2f}s" for name, seconds in sorted(load_seconds.items())),
        pipeline.models,
    )
    app = build_app(settings, pipeline, health)
    log.info(
        "worker %s: %s -> %s (dead letters: %s) on %s",
        settings.group_id,
        settings.input_topic,
        settings.output_topic,
        settings.dlq_topic,
        settings.broker,
    )
    faust.Worker(
        app,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_level, settings.log_format),
        quiet=True,
    ).execute_from_commandline()
