"""Stage 4: named entities (PER/ORG/LOC/MISC) with offsets into the original text.

The Stanza-backed tagger plugs in here; until a model is configured the stage
tags nothing, so the rest of the pipeline and its contract do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from workers.core import stages
from workers.core.records import Article, Entity, LanguageTag

STAGE = stages.ENTITIES


class EntityTagger(Protocol):
    """Anything that finds entities in an article whose language is known."""

    model_version: str

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]: ...


@runtime_checkable
class BatchTagger(Protocol):
    """A tagger that is faster on many articles at once (Stanza batches their sentences)."""

    def tag_many(self, items: Sequence[tuple[Article, LanguageTag]]) -> list[tuple[Entity, ...]]: ...


@runtime_checkable
class WarmsUp(Protocol):
    """A tagger that can load its models ahead of the first article (for readiness)."""

    def warm_up(self) -> dict[str, float]: ...


class NoEntityTagger:
    """Tags nothing: the explicit choice when no NER model is installed."""

    model_version = "none"

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        return ()


class EntityStage:
    name = STAGE
    requires = ("article", "language")
    provides = "entities"
    finishing = False

    def __init__(self, tagger: EntityTagger | None = None) -> None:
        self.tagger: EntityTagger = tagger or NoEntityTagger()

    @property
    def model_version(self) -> str:
        return self.tagger.model_version

    def warm_up(self) -> dict[str, float]:
        """Load the tagger's models now, where it can (load seconds per component)."""
        return self.tagger.warm_up() if isinstance(self.tagger, WarmsUp) else {}

    def process(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        return self.tagger.tag(article, language)

    def bulk_process(self, inputs: Sequence[tuple[Article, LanguageTag]]) -> list[tuple[Entity, ...]]:
        """Several articles at once: one call where the tagger can batch, else one by one."""
        if isinstance(self.tagger, BatchTagger):
            return self.tagger.tag_many(inputs)
        return [self.tagger.tag(article, language) for article, language in inputs]
