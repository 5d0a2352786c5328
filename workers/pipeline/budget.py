"""The per-article time budget: one pathological article must not stall its partition.

``Pipeline.process`` opens an :func:`article_budget` around each article; the deadline lives in
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

from workers.pipeline.errors import Rejected

#: Seconds one article may take from decode to the end of the last stage (``KHABAR_ARTICLE_BUDGET_S``).
DEFAULT_ARTICLE_BUDGET_S = 20.0


@dataclass(frozen=True, slots=True)
class _Budget:
    seconds: float
    started: float
    deadline: float


_current: ContextVar[_Budget | None] = ContextVar("khabar_article_budget", default=None)


@contextmanager
def article_budget(seconds: float | None) -> Iterator[None]:
    """Give the code inside ``seconds`` from now; ``None``, 0 or less means no limit."""
    if seconds is None or seconds <= 0:
        token = _current.set(None)
    else:
        now = time.monotonic()
        token = _current.set(_Budget(seconds, now, now + seconds))
    try:
        yield
    finally:
        _current.reset(token)


def remaining() -> float | None:
    """Seconds left for the current article (negative once over), or ``None`` without a budget."""
    budget = _current.get()
    return None if budget is None else budget.deadline - time.monotonic()


def check(stage: str) -> None:
    """Raise ``Rejected("budget_exceeded", ..., stage)`` if the current article is out of time."""
    budget = _current.get()
    if budget is None:
        return
    now = time.monotonic()
    if now > budget.deadline:
        raise Rejected(
            "budget_exceeded",
            f"article ran over its {budget.seconds:g} s budget during {stage} "
            f"({now - budget.started:.3f} s spent)",
            stage,
        )
