"""Options and settings plumbing shared by every ``khabar`` command (kept light to import)."""

from __future__ import annotations

import sys
from typing import Any

import click

from workers.broker import BrokerError, BrokerNotInstalled
from workers.settings import WorkerSettings

#: Exit status of a dev command (demo, broker, bench) run where the embedded broker is not
#: installed: like a usage error, running it again cannot help; installing the dev extra does.
NOT_INSTALLED_EXIT = 2


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


def broker_failure(exc: BrokerError) -> click.ClickException:
    """The error a command stops with when the embedded broker ``exc`` says why cannot start: one
    line, exit status :data:`NOT_INSTALLED_EXIT` when it is not installed, 1 otherwise.

    Args:
        exc: what starting (or locating) the embedded broker raised.
    """
    error = click.ClickException(str(exc))
    if isinstance(exc, BrokerNotInstalled):
        error.exit_code = NOT_INSTALLED_EXIT
    return error
