"""Options and settings plumbing shared by every ``khabar`` command (kept light to import)."""

from __future__ import annotations

import sys
from typing import Any

import click

from workers.settings import WorkerSettings


def settings_from(**flags: Any) -> WorkerSettings:
    """Environment (``KHABAR_*``) first, then the flags the user actually gave."""
    return WorkerSettings(**{k: v for k, v in flags.items() if v is not None})


broker_option = click.option(
    "--broker",
    metavar="HOST:PORT[,...]",
    help="Kafka bootstrap servers. Env: KHABAR_BROKER. Default: 127.0.0.1:9092.",
)
progress_option = click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)."
)


def show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress
