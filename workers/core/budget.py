"""The per-article time budget: one pathological article must not stall its partition.

The pipeline's runner gives each article a :class:`Deadline` and runs its stages :func:`within`
it (a batched stage's group gets an :func:`article_budget` of its own); the deadline lives in
a :class:`~contextvars.ContextVar`, so every thread (and every asyncio task) has its own and
nothing is passed through the stages' signatures. :func:`check` raises
``Rejected("budget_exceeded")`` once the deadline has passed, naming the stage that was running.

The pipeline checks between stages; a stage that can run long on one article checks inside its
own loop too (the Stanza tagger, between its runs over groups of chunks), so a huge body is cut
off near the budget instead of running to its end. A stage that never calls :func:`check` still
works: it runs to completion and the pipeline's next check stops the article. Outside an
article budget (a stage used on its own, in tests or tools) :func:`check` does nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from workers.core.errors import Rejected

#: Seconds one article may take from decode to the end of the last stage (``KHABAR_ARTICLE_BUDGET_S``).
DEFAULT_ARTICLE_BUDGET_S = 20.0


@dataclass(frozen=True, slots=True)
class Deadline:
    """``seconds`` of budget that started at ``started`` and run out ``at`` (``time.monotonic``)."""

    seconds: float
    started: float
    at: float

    @classmethod
    def after(cls, seconds: float | None) -> Deadline | None:
        """A budget of ``seconds`` from now; ``None``, 0 or less means no limit (None)."""
        if seconds is None or seconds <= 0:
            return None
        now = time.monotonic()
        return cls(seconds, now, now + seconds)


_current: ContextVar[Deadline | None] = ContextVar("khabar_article_budget", default=None)


@contextmanager
def within(deadline: Deadline | None) -> Iterator[None]:
    """Run the code inside against ``deadline`` (None: no limit)."""
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def article_budget(seconds: float | None) -> Iterator[None]:
    """Give the code inside ``seconds`` from now; ``None``, 0 or less means no limit."""
    with within(Deadline.after(seconds)):
        yield


def remaining() -> float | None:
    """Seconds left for the current article (negative once over), or ``None`` without a budget."""
    budget = _current.get()
    return None if budget is None else budget.at - time.monotonic()


def check(stage: str) -> None:
    """Raise ``Rejected("budget_exceeded", ..., stage)`` if the current article is out of time."""
    budget = _current.get()
    if budget is None:
        return
    now = time.monotonic()
    if now > budget.at:
        raise Rejected(
            "budget_exceeded",
            f"article ran over its {budget.seconds:g} s budget during {stage} "
            f"({now - budget.started:.3f} s spent)",
            stage,
        )
