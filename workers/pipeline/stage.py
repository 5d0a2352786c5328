"""The one shape of an enrichment stage, and the record of what has flowed so far.

A stage (after Stanza's processors) has a ``name``, the :class:`Item` fields it ``requires``
and the one field it ``provides``. The runner (:mod:`workers.pipeline.runner`) calls
``process`` with exactly the required fields, in that order, and stores the result under the
provided one: a stage receives nothing it did not declare, and :func:`check_stages` refuses at
start-up a declaration that does not match the stage's ``process`` or the stages before it.

A stage that is faster on many articles at once (the Stanza tagger batches their sentences)
also has ``bulk_process``, which takes a list of such argument tuples; if it fails, the runner
falls back to ``process`` one item at a time, so only the culprit is dead-lettered.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol, runtime_checkable

from workers.core.budget import Deadline
from workers.core.outcomes import DeadLetter, Enriched
from workers.core.records import Article, Entity, LanguageTag, Location


class Stage(Protocol):
    """Read-only members, so a stage may declare them as plain class attributes."""

    @property
    def name(self) -> str:
        """The stage's name in metrics, logs and dead letters (:mod:`workers.core.stages`)."""

    @property
    def requires(self) -> tuple[str, ...]:
        """The :class:`Item` fields ``process`` takes, in the order of its parameters."""

    @property
    def provides(self) -> str:
        """The :class:`Item` field ``process``'s result fills."""

    @property
    def finishing(self) -> bool:
        """True when an article that reached this stage is finished even past its time budget:
        only quick work is left, so the runner neither opens the budget around it nor checks
        after it."""

    @property
    def model_version(self) -> str:
        """What the stage's model is, for the event and ``khabar_build_info``; "" for none."""

    @property
    def process(self) -> Callable[..., Any]:
        """``process(*required fields) -> provided value``; raises ``Rejected`` for a bad article."""


@runtime_checkable
class BulkStage(Stage, Protocol):
    """A stage with ``bulk_process(list of required-field tuples) -> list of provided values``."""

    def bulk_process(self, inputs: Sequence[tuple[Any, ...]]) -> list[Any]: ...


@dataclass(slots=True)
class Item:
    """One record on its way through the stages; each stage fills one field."""

    #: Where the record came in the batch: outcomes go out in the same order.
    index: int
    #: The record's value as read from Kafka (None: a tombstone).
    value: bytes | None
    #: ``time.perf_counter()`` when its first stage started: the article's own clock.
    started: float = 0.0
    #: When its time budget runs out (None: no budget), set with ``started``.
    deadline: Deadline | None = None
    record: dict[str, Any] | None = None
    article: Article | None = None
    language: LanguageTag | None = None
    entities: tuple[Entity, ...] | None = None
    locations: tuple[Location, ...] | None = None
    enriched: Enriched | None = None
    #: Set when a stage rejected or failed the article; no later stage sees it.
    failed: DeadLetter | None = None

    def article_id(self) -> str | None:
        """The article's id as far as it is known: the validated one, else a string ``id``."""
        if self.article is not None:
            return self.article.id
        raw = self.record.get("id") if self.record is not None else None
        return raw if isinstance(raw, str) else None


#: Fields an item has before any stage runs.
SOURCE_FIELDS = frozenset({"value", "started"})
#: Fields a stage may provide.
STAGE_FIELDS = frozenset(f.name for f in fields(Item)) - SOURCE_FIELDS - {"index", "deadline", "failed"}


def check_stages(stages: Sequence[Stage], outcome_field: str = "enriched") -> None:
    """Fail at start-up, not per article, when a declaration does not hold.

    Each stage's ``requires`` must be exactly the parameters of its ``process`` and provided by
    an earlier stage (or be the record itself); its ``provides`` must be a field no earlier
    stage fills; and the last stage must provide the enriched outcome.
    """
    available = set(SOURCE_FIELDS)
    for stage in stages:
        params = [
            p.name
            for p in inspect.signature(stage.process).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if params != list(stage.requires):
            raise ValueError(
                f"stage {stage.name!r} declares it requires {list(stage.requires)}, "
                f"but its process() takes {params}"
            )
        missing = set(stage.requires) - available
        if missing:
            raise ValueError(f"stage {stage.name!r} requires {sorted(missing)}, provided by no earlier stage")
        if stage.provides not in STAGE_FIELDS:
            raise ValueError(
                f"stage {stage.name!r} provides {stage.provides!r}, which is not a field of Item"
            )
        if stage.provides in available:
            raise ValueError(f"stage {stage.name!r} provides {stage.provides!r}, already provided earlier")
        available.add(stage.provides)
    if not stages or stages[-1].provides != outcome_field:
        raise ValueError(f"the last stage must provide {outcome_field!r}")
