"""What one input record becomes: an :class:`Enriched` event or a :class:`DeadLetter`.

The pipeline makes exactly one outcome per record; a sink (:mod:`workers.sinks`) routes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.core.errors import Reason, Rejected


@dataclass(frozen=True, slots=True)
class Enriched:
    """An enriched event. ``key`` is the article id: records repeating an id give events with the
    same key, which is how downstream deduplicates (the worker keeps no memory of ids seen)."""

    key: bytes
    value: bytes
    event: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    reason: Reason
    stage: str
    detail: str
    article_id: str | None
    #: The rejection reason again, or the exception's class name for a ``stage_error``.
    error_type: str

    @classmethod
    def rejected(cls, rej: Rejected, article_id: str | None) -> DeadLetter:
        return cls(rej.reason, rej.stage, rej.detail, article_id, rej.reason)

    @classmethod
    def crashed(cls, stage: str, exc: Exception, article_id: str | None) -> DeadLetter:
        name = type(exc).__name__
        return cls("stage_error", stage, f"{name}: {exc}"[:500], article_id, name)


Outcome = Enriched | DeadLetter
