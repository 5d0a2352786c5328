"""Process exit codes a supervisor (systemd, Kubernetes, the chaos suite) can act on.

Every non-zero exit leaves the input offsets of unfinished records uncommitted, so a
restarted worker (or another member of the group) enriches them again: at-least-once.
"""

from __future__ import annotations

import logging
import os
from typing import NoReturn

OK = 0
#: An unexpected error in the stream code itself (a bug): the batch is left uncommitted.
INTERNAL_ERROR = 1
#: The worker could not start: a missing model, a bad setting, credentials the broker refused.
CONFIG = 2
#: A publish was not acknowledged within KHABAR_PUBLISH_TIMEOUT_S (broker gone too long).
PUBLISH_FAILED = 3
#: SIGTERM/SIGINT: in-flight work did not finish within KHABAR_SHUTDOWN_TIMEOUT_S.
SHUTDOWN_OVERDUE = 4
#: The broker stayed unreachable for KHABAR_BROKER_WAIT_S at start-up.
BROKER_UNREACHABLE = 5


def exit_now(code: int) -> NoReturn:
    """Leave at once, from any thread, without running Faust's shutdown (which would commit
    offsets of events it considers acked): flush the logs so the reason is not lost."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(code)
