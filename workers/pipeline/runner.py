"""The enrichment pipeline: decode -> validate -> language -> entities -> locations -> assemble.

Every stage has the one shape of :mod:`workers.pipeline.stage`, and this module is the one loop
that runs them: it owns the timing (the observer sees each stage's seconds per article), the
per-article time budget and the dead-lettering. ``Pipeline.process_many`` turns record values
into exactly one outcome each, an :class:`Enriched` event or a :class:`DeadLetter` with a
reason. It never raises for an article, whatever the article holds; nothing here knows about
Kafka.

Per-item stages run article by article; a stage with ``bulk_process`` (entities: Stanza batches
sentences, which is where its speed comes from) gets every article that got that far at once,
in groups, and falls back to one article at a time when a group fails. Before assembly the
entities are made to agree with the resolved places (:mod:`workers.pipeline.agreement`).

Each article runs under a time budget (:mod:`workers.core.budget`), checked after each stage
and inside the stages that can run long, so one pathological article costs at most about its
budget. Records are not deduplicated: two records with the same id are enriched independently
and both events carry that id as their key, so downstream consumers (or a compacted topic)
deduplicate by key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from workers.core import budget
from workers.core.budget import DEFAULT_ARTICLE_BUDGET_S
from workers.core.errors import Rejected
from workers.core.limits import DEFAULT_MAX_BODY_CHARS, DEFAULT_MAX_RECORD_BYTES
from workers.core.outcomes import DeadLetter, Enriched, Outcome
from workers.pipeline.assemble import AssembleStage
from workers.pipeline.decode import DecodeStage
from workers.pipeline.entities import EntityStage, EntityTagger, WarmsUp
from workers.pipeline.language import LanguageStage
from workers.pipeline.locations import LocationStage
from workers.pipeline.stage import BulkStage, Item, Stage, check_stages
from workers.pipeline.validate import Validator
from workers.settings import WorkerSettings

__all__ = ["BATCH_TAG_CHARS", "DeadLetter", "Enriched", "Outcome", "Pipeline", "StageObserver"]

#: Called after each stage with (stage name, seconds spent): how metrics see inside.
StageObserver = Callable[[str, float], None]


class Pipeline:
    """The stages in order, and the loop that runs them over a batch of record values."""

    def __init__(
        self,
        stages: Sequence[Stage],
        observer: StageObserver | None = None,
        *,
        article_budget_s: float = DEFAULT_ARTICLE_BUDGET_S,
    ) -> None:
        check_stages(stages)
        self.stages = tuple(stages)
        #: Seconds one article may take (``budget_exceeded`` past it); 0 turns the budget off.
        self.article_budget_s = article_budget_s
        self.observer = observer
        #: Each model-backed stage's model version, for the event and ``khabar_build_info``.
        self.models = {stage.name: stage.model_version for stage in stages if stage.model_version}
        #: Seconds each component took to load, for the ``khabar_model_load_seconds`` gauge.
        self.load_seconds: dict[str, float] = {}

    def stage(self, name: str) -> Stage:
        """The stage called ``name``; ``KeyError`` if there is none."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)

    def replacing(self, stage: Stage) -> Pipeline:
        """The same pipeline with ``stage`` in place of the stage of the same name."""
        stages = [stage if s.name == stage.name else s for s in self.stages]
        pipeline = Pipeline(stages, self.observer, article_budget_s=self.article_budget_s)
        pipeline.load_seconds = dict(self.load_seconds)
        return pipeline

    def warm_up(self) -> dict[str, float]:
        """Load lazily loaded models now, so the first article does not wait for them and
        readiness can mean "models loaded"; returns all load times known so far."""
        for stage in self.stages:
            if isinstance(stage, WarmsUp):
                self.load_seconds.update(stage.warm_up())
        return dict(self.load_seconds)

    @classmethod
    def from_settings(cls, settings: WorkerSettings, observer: StageObserver | None = None) -> Pipeline:
        """The production pipeline; raises ``ModelMissingError`` when a required NER model is absent."""
        tagger: EntityTagger | None = None
        if settings.ner:
            from workers.ner.registry import ModelDirs
            from workers.ner.tagger import StanzaEntityTagger, set_torch_threads

            set_torch_threads(settings.torch_threads)
            tagger = StanzaEntityTagger(
                languages=settings.ner_language_list(), models=ModelDirs.from_settings(settings)
            )
        return cls.default(
            max_body_chars=settings.max_body_chars,
            tagger=tagger,
            observer=observer,
            languages=settings.language_list(),
            max_record_bytes=settings.max_record_bytes,
            article_budget_s=settings.article_budget_s,
        )

    @classmethod
    def default(
        cls,
        max_body_chars: int = DEFAULT_MAX_BODY_CHARS,
        tagger: EntityTagger | None = None,
        observer: StageObserver | None = None,
        languages: list[str] | None = None,
        max_record_bytes: int | None = DEFAULT_MAX_RECORD_BYTES,
        article_budget_s: float = DEFAULT_ARTICLE_BUDGET_S,
    ) -> Pipeline:
        from workers.gazetteer import default_gazetteer

        started = time.perf_counter()
        gazetteer = default_gazetteer()  # cached per process: a second pipeline reuses it
        gazetteer_seconds = time.perf_counter() - started
        language = LanguageStage(languages)
        entities = EntityStage(tagger)
        locations = LocationStage(gazetteer)
        pipeline = cls(
            [
                DecodeStage(max_record_bytes),
                Validator(max_body_chars=max_body_chars),
                language,
                entities,
                locations,
                AssembleStage(
                    {
                        "language": language.model_version,
                        "entities": entities.model_version,
                        "locations": locations.model_version,
                    }
                ),
            ],
            observer=observer,
            article_budget_s=article_budget_s,
        )
        pipeline.load_seconds["gazetteer"] = gazetteer_seconds
        return pipeline

    def process(self, value: bytes | None) -> Outcome:
        """One record value -> one outcome, within the article budget; never raises."""
        return self.process_many([value])[0]

    def process_many(self, values: Sequence[bytes | None]) -> list[Outcome]:
        """Record values -> one outcome each, in order; never raises.

        Stages without ``bulk_process`` run article by article, each article under its own
        budget counted from its first stage; a bulk stage gets the articles that got that far
        together (:meth:`_bulk`).
        """
        items = [Item(index, value) for index, value in enumerate(values)]
        for segment in _segments(self.stages):
            live = [item for item in items if item.failed is None]
            if isinstance(segment, tuple):
                for item in live:
                    self._each(segment, item)
            else:
                self._bulk(segment, live)
        outcomes: list[Outcome] = []
        for item in items:
            if item.failed is not None:
                outcomes.append(item.failed)
            else:
                assert item.enriched is not None  # check_stages: the last stage provides it
                outcomes.append(item.enriched)
        return outcomes

    # -- the loop's two ways of running stages --------------------------------------------------
    def _each(self, stages: tuple[Stage, ...], item: Item) -> None:
        """Per-item stages in order on one article, under its budget (the first of them starts
        the article's clock); the first rejection or error dead-letters it, naming the stage."""
        if not item.started:
            item.started = time.perf_counter()
            item.deadline = budget.Deadline.after(self.article_budget_s)
        stage = stages[0]
        try:
            for stage in stages:
                if stage.finishing:
                    self._run(stage, item)
                else:
                    with budget.within(item.deadline):
                        self._run(stage, item)
                        budget.check(stage.name)
        except Rejected as rej:
            item.failed = DeadLetter.rejected(rej, item.article_id())
        except Exception as exc:  # an article must never take the worker down
            item.failed = DeadLetter.crashed(stage.name, exc, item.article_id())

    def _run(self, stage: Stage, item: Item) -> None:
        started = time.perf_counter()
        setattr(item, stage.provides, stage.process(*_inputs(stage, item)))
        if self.observer is not None:
            self.observer(stage.name, time.perf_counter() - started)

    def _bulk(self, stage: BulkStage, items: list[Item]) -> None:
        """A bulk stage over ``items``, in groups of at most ``BATCH_TAG_CHARS`` characters, each
        group under one article budget of its own, so no group can stall the partition for long.
        If a group fails (time or error), each of its articles goes through ``process`` alone
        with a budget of its own: only the culprit is dead-lettered, never its neighbours."""
        name, provides = stage.name, stage.provides
        alone: list[Item] = []
        for group in _groups(items, BATCH_TAG_CHARS):
            if len(group) == 1:
                alone += group
                continue
            started = time.perf_counter()
            try:
                with budget.article_budget(self.article_budget_s):
                    results = stage.bulk_process([_inputs(stage, item) for item in group])
                    budget.check(name)
            except Exception:
                alone += group
                continue
            share = (time.perf_counter() - started) / len(group)
            for item, result in zip(group, results, strict=True):
                setattr(item, provides, result)
                if self.observer is not None:
                    self.observer(name, share)
        for item in alone:
            started = time.perf_counter()
            try:
                with budget.article_budget(self.article_budget_s):
                    setattr(item, provides, stage.process(*_inputs(stage, item)))
                    budget.check(name)
            except Rejected as rej:
                item.failed = DeadLetter.rejected(rej, item.article_id())
            except Exception as exc:  # a stage's bug dead-letters one article, naming the stage
                item.failed = DeadLetter.crashed(name, exc, item.article_id())
            if self.observer is not None:
                self.observer(name, time.perf_counter() - started)


def _inputs(stage: Stage, item: Item) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in stage.requires)


def _segments(stages: Sequence[Stage]) -> Iterator[tuple[Stage, ...] | BulkStage]:
    """Runs of per-item stages, and each bulk stage on its own, in order."""
    run: list[Stage] = []
    for stage in stages:
        if isinstance(stage, BulkStage):
            if run:
                yield tuple(run)
                run = []
            yield stage
        else:
            run.append(stage)
    if run:
        yield tuple(run)


#: Most characters (titles + bodies) handed to the tagger in one call; a longer article is
#: tagged on its own. Stanza's batching gains flatten out well before this.
BATCH_TAG_CHARS = 20_000


def _groups(items: Sequence[Item], max_chars: int) -> list[list[Item]]:
    """Consecutive groups of at most ``max_chars`` characters (an article over it alone)."""
    groups: list[list[Item]] = []
    size = max_chars + 1
    for item in items:
        chars = item.article.text_chars() if item.article is not None else 0
        if size + chars > max_chars:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += chars
    return groups
