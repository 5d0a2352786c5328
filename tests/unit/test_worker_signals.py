"""The worker's stop requests before its consumer starts (models loading, broker awaited)."""

from __future__ import annotations

import subprocess
import sys

# A stand-in for the code a SIGTERM interrupts during start-up (torch's import, a model load):
# whatever the handler raises would surface here, inside it.
_INTERRUPTED = """
import os, signal, time
from workers.stream.runner import _exit_quietly
signal.signal(signal.SIGTERM, _exit_quietly)
try:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    print("the signal was ignored")
except BaseException as exc:
    print(f"raised {type(exc).__name__} into the interrupted code")
    raise
"""


def test_a_stop_before_the_consumer_exits_0_without_raising_into_the_interrupted_code() -> None:
    result = subprocess.run([sys.executable, "-c", _INTERRUPTED], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "", result.stdout
