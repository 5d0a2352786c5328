"""``/metrics``, ``/healthz`` and ``/readyz`` on one configurable host and port.

``/healthz`` answers as long as the process can serve HTTP: a supervisor restarts the
process when it stops answering. ``/readyz`` answers 200 only when the worker can do its
job: models loaded, input partitions assigned by the consumer group, and the broker
answered recently; otherwise 503 with the checks that failed, so a rollout waits and an
operator reads why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import orjson
from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from workers.observability.sensor import NullSensor, Sensor

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Health:
    """Readiness state: written by the worker's event loop, read by the HTTP thread.

    ``broker_timeout_s``: how long after the broker's last answer the worker still
    counts as connected (the lag poll is the regular round trip that refreshes it).
    ``sensor`` is told the assigned partitions, and asks :meth:`ready` whenever it is scraped.
    """

    def __init__(
        self,
        broker_timeout_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sensor: Sensor | None = None,
    ) -> None:
        self.broker_timeout_s = broker_timeout_s
        self._sensor: Sensor = sensor or NullSensor()
        self._clock = clock
        self._lock = threading.Lock()
        self._models_loaded = False
        self._partitions: frozenset[tuple[str, int]] = frozenset()
        self._broker_seen: float | None = None
        self._sensor.on_readiness(self.ready)

    def models_loaded(self) -> None:
        with self._lock:
            self._models_loaded = True

    def assigned(self, partitions: Iterable[tuple[str, int]]) -> None:
        with self._lock:
            self._partitions = frozenset(partitions)
        self._sensor.on_assigned(len(self._partitions))

    def broker_answered(self) -> None:
        with self._lock:
            self._broker_seen = self._clock()

    def checks(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            models, partitions, seen = self._models_loaded, self._partitions, self._broker_seen
        since = None if seen is None else round(self._clock() - seen, 3)
        return {
            "models": {"ok": models},
            "partitions": {"ok": bool(partitions), "assigned": len(partitions)},
            "broker": {
                "ok": since is not None and since <= self.broker_timeout_s,
                "seconds_since_answer": since,
            },
        }

    def ready(self) -> bool:
        return all(check["ok"] for check in self.checks().values())


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = orjson.dumps(body)
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [payload]


def make_app(health: Health, registry: CollectorRegistry) -> WsgiApp:
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "alive"})
        if path == "/readyz":
            checks = health.checks()
            ready = all(check["ok"] for check in checks.values())
            status = "200 OK" if ready else "503 Service Unavailable"
            return _json(start_response, status, {"ready": ready, "checks": checks})
        if path == "/metrics":
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        return _json(
            start_response, "404 Not Found", {"error": f"no such endpoint {path}", "endpoints": ENDPOINTS}
        )

    return app


ENDPOINTS = ["/metrics", "/healthz", "/readyz"]


class _QuietHandler(WSGIRequestHandler):
    """Probes hit these endpoints every few seconds; one access-log line each would drown the log."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class EndpointServer:
    """The HTTP server in a daemon thread; ``port=0`` picks a free port (see ``.port``)."""

    def __init__(self, host: str, port: int, health: Health, registry: CollectorRegistry) -> None:
        try:
            self._server: WSGIServer = make_server(
                host, port, make_app(health, registry), ThreadingWSGIServer, handler_class=_QuietHandler
            )
        except OSError as exc:
            raise OSError(
                f"cannot serve /metrics on {host}:{port}: {exc.strerror or exc} "
                "(give each worker process its own --metrics-port)"
            ) from exc
        self.host = host
        self.port: int = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="khabar-http", daemon=True)

    def start(self) -> EndpointServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
