"""A ``khabar worker`` process on this machine, started the way production starts it.

What ``khabar bench``, the integration tests and the chaos suite run: its own topics and
group, its own metrics port, its output in a log file, and the probes to ask it how it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from workers.broker import FAST_GROUP_ENV, free_port


@dataclass(frozen=True)
class TopicNames:
    """The three topics and the consumer group one worker (or one group of them) uses."""

    input: str
    output: str
    dlq: str
    group: str

    @classmethod
    def fresh(cls, prefix: str) -> TopicNames:
        """Names no earlier run used, so runs on one broker never see each other's records."""
        tag = f"{prefix}-{uuid.uuid4().hex[:8]}"
        return cls(f"raw-{tag}", f"enriched-{tag}", f"dlq-{tag}", f"group-{tag}")


class LocalWorker:
    """One ``python -m workers worker`` process with the broker's fast group timeouts.

    ``env`` adds to (and overrides) the ``KHABAR_*`` settings derived from the arguments.
    """

    def __init__(self, bootstrap: str, topics: TopicNames, log_path: Path, env: dict[str, str]) -> None:
        self.metrics_port = free_port()
        self.log_path = log_path
        full_env = (
            os.environ
            | FAST_GROUP_ENV
            | {
                "KHABAR_BROKER": bootstrap,
                "KHABAR_INPUT_TOPIC": topics.input,
                "KHABAR_OUTPUT_TOPIC": topics.output,
                "KHABAR_DLQ_TOPIC": topics.dlq,
                "KHABAR_GROUP_ID": topics.group,
                "KHABAR_METRICS_PORT": str(self.metrics_port),
            }
            | env
        )
        with log_path.open("wb") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "workers", "worker"],
                env=full_env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def readyz(self) -> tuple[int, dict[str, Any]] | None:
        """``/readyz``'s status and body, or None while nothing listens yet."""
        url = f"http://127.0.0.1:{self.metrics_port}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status, orjson.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, orjson.loads(err.read())
        except OSError:
            return None

    def metrics(self, timeout: float = 5) -> str | None:
        """The ``/metrics`` exposition text, or None while nothing listens yet."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                text: str = resp.read().decode()
                return text
        except OSError:
            return None

    def wait_ready(self, timeout: float = 90) -> bool:
        """True once ``/readyz`` answers 200; False if the process exits or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.readyz()
            if state is not None and state[0] == 200:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def peak_rss_bytes(self) -> int:
        """The kernel's high-water mark of the process's resident memory (VmHWM)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, then the exit code; None if it had to be killed after ``timeout``."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
