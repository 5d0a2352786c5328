"""Running the Faust app as a long-lived worker process.

Start-up order matters to probes: the HTTP endpoints come first (``/healthz`` answers
while models load, ``/readyz`` says what is still missing), then the models are loaded
and run once, then the broker is awaited with backoff, then the consumer joins its group.

Shutdown (SIGTERM/SIGINT): Faust stops fetching, the batch in progress finishes and is
published, acknowledged offsets are committed, and the process exits 0. A watchdog
bounds all of that by ``KHABAR_SHUTDOWN_TIMEOUT_S``; past it the process exits with
:data:`~workers.stream.exits.SHUTDOWN_OVERDUE` and the unfinished records are redelivered.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading
import types
from typing import Any

import faust

from workers.observability.endpoints import EndpointServer, Health
from workers.observability.logs import logging_config
from workers.observability.metrics import PrometheusSensor
from workers.pipeline.runner import Pipeline
from workers.settings import WorkerSettings
from workers.stream import exits
from workers.stream.app import build_app
from workers.stream.connect import BrokerRefused, BrokerUnreachable, wait_for_broker

log = logging.getLogger(__name__)


class WorkerError(Exception):
    """The worker cannot start; ``code`` is the process exit code to use."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class _DeadlineWorker(faust.Worker):
    """Faust's worker with a bound on how long a signal-initiated shutdown may take."""

    def __init__(self, app: faust.App, *services: Any, shutdown_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(app, *services, **kwargs)
        self._shutdown_timeout_s = shutdown_timeout_s
        # At WARNING and above Faust's start-up spinner would set the root logger to DEBUG (to
        # spin on every record) and leave it there: every debug call of Faust and mode, several
        # per record published, would then build a LogRecord that no handler prints. A worker's
        # log is a file or a pipeline, where the spinner only writes terminal escapes anyway.
        self.spinner = None

    # mode calls this for SIGINT and SIGTERM; the first signal arms the watchdog.
    def _schedule_shutdown(self, signal: signal.Signals) -> None:
        if not self._signal_stop_time:
            log.info(
                "%s: finishing in-flight articles, then commit and exit (deadline %.0fs)",
                signal.name,
                self._shutdown_timeout_s,
            )
            watchdog = threading.Timer(
                self._shutdown_timeout_s, _shutdown_overdue, (self._shutdown_timeout_s,)
            )
            watchdog.daemon = True
            watchdog.start()
        super()._schedule_shutdown(signal)


def _shutdown_overdue(seconds: float) -> None:
    log.error(
        "shutdown did not finish within %.0fs; exiting with code %d (unfinished records will be redelivered)",
        seconds,
        exits.SHUTDOWN_OVERDUE,
    )
    exits.exit_now(exits.SHUTDOWN_OVERDUE)


def _exit_quietly(signum: int, frame: types.FrameType | None) -> None:
    """Before Faust owns the signals (loading models, waiting for the broker) nothing is in
    flight: a stop request ends the process at once, with 0.

    It must not raise: an exception from a signal handler surfaces in whatever code runs, and
    while torch imports that is C++ calling back into Python through pybind11, which turns it
    into ``std::terminate`` (SIGABRT, exit -6 instead of 0, seen in CI)."""
    log.info("%s before the consumer started: exiting", signal.Signals(signum).name)
    exits.exit_now(exits.OK)


def run_worker(settings: WorkerSettings) -> None:
    """Blocks until SIGINT/SIGTERM; Faust's worker installs the signal handlers and exits the process.

    Raises :class:`WorkerError` (with an exit code) when the worker cannot start.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_quietly)
    # The lag poll is the regular broker round trip; three missed polls mean the broker is gone.
    sensor = PrometheusSensor()
    health = Health(broker_timeout_s=max(15.0, 3 * settings.lag_interval_s), sensor=sensor)
    if settings.metrics_port:
        server = EndpointServer(settings.metrics_host, settings.metrics_port, health, sensor.registry).start()
        log.info("metrics and probes on http://%s:%d/{metrics,healthz,readyz}", server.host, server.port)
    if not settings.enrich:
        log.warning("KHABAR_ENRICH=false: records are forwarded unchanged (pass-through, for diagnostics)")
        settings = settings.model_copy(update={"ner": False})
    pipeline = Pipeline.from_settings(settings, observer=sensor.on_stage)
    load_seconds = pipeline.warm_up()
    # What is alive now (models, tables, stage state) lives as long as the process: the cyclic
    # collector skips it instead of walking it again on every full collection.
    gc.freeze()
    sensor.on_models_loaded(load_seconds, pipeline.models)
    health.models_loaded()
    log.info(
        "models loaded (%s): %s",
        ", ".join(f"{name} {seconds:.2f}s" for name, seconds in sorted(load_seconds.items())),
        pipeline.models,
    )
    try:
        attempts = asyncio.run(wait_for_broker(settings, give_up_after_s=settings.broker_wait_s))
    except BrokerRefused as exc:
        raise WorkerError(str(exc), exits.CONFIG) from exc
    except BrokerUnreachable as exc:
        raise WorkerError(str(exc), exits.BROKER_UNREACHABLE) from exc
    health.broker_answered()
    if attempts > 1:
        log.info("broker %s reachable after %d attempts", settings.broker, attempts)
    built = build_app(settings, pipeline, health, sensor)
    log.info(
        "worker %s: %s -> %s (dead letters: %s) on %s",
        settings.group_id,
        settings.input_topic,
        settings.output_topic,
        settings.dlq_topic,
        settings.broker,
    )
    _DeadlineWorker(
        built.app,
        built.lag_poller,
        shutdown_timeout_s=settings.shutdown_timeout_s,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_level, settings.log_format),
        quiet=True,
    ).execute_from_commandline()
