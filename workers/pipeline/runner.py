"""The enrichment pipeline: decode -> validate -> language -> entities -> locations -> assemble -> encode.

Before assembly the entities are made to agree with the resolved places
(:mod:`workers.pipeline.agreement`): every mention of a resolved place is a LOC entity.

``Pipeline.process`` turns one Kafka record value into exactly one outcome:
an :class:`Enriched` event or a :class:`DeadLetter` with a reason. It never
raises for an article, whatever the article holds; nothing here knows about Kafka.

Each article runs under a time budget (:mod:`workers.pipeline.budget`), checked between stages
and inside the stages that can run long, so one pathological article costs at most about its
budget. Records are not deduplicated: two records with the same id are enriched independently
and both events carry that id as their key, so downstream consumers (or a compacted topic)
deduplicate by key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from workers import __version__
from workers.pipeline import budget
from workers.pipeline.agreement import agree
from workers.pipeline.assemble import assemble
from workers.pipeline.budget import DEFAULT_ARTICLE_BUDGET_S
from workers.pipeline.decode import DEFAULT_MAX_RECORD_BYTES, decode
from workers.pipeline.entities import EntityStage, EntityTagger, WarmsUp
from workers.pipeline.errors import Reason, Rejected
from workers.pipeline.language import LanguageStage
from workers.pipeline.locations import LocationStage
from workers.pipeline.validate import DEFAULT_MAX_BODY_CHARS, Validator
from workers.records import Article, Entity, LanguageTag
from workers.settings import WorkerSettings

#: Called after each stage with (stage name, seconds spent): how metrics see inside.
StageObserver = Callable[[str, float], None]


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


class _Declared(Protocol):
    name: str
    requires: frozenset[str]
    provides: frozenset[str]


def check_order(stages: list[_Declared]) -> None:
    """Fail at start-up, not per article, when a stage runs before what it needs."""
    available: set[str] = set()
    for stage in stages:
        missing = stage.requires - available
        if missing:
            raise ValueError(f"stage {stage.name!r} requires {sorted(missing)}, provided by no earlier stage")
        available |= stage.provides


class Pipeline:
    def __init__(
        self,
        validator: Validator,
        language: LanguageStage,
        entities: EntityStage,
        locations: LocationStage,
        observer: StageObserver | None = None,
        *,
        max_record_bytes: int | None = DEFAULT_MAX_RECORD_BYTES,
        article_budget_s: float = DEFAULT_ARTICLE_BUDGET_S,
    ) -> None:
        check_order([validator, language, entities, locations])
        #: Records with more bytes are dead-lettered unparsed (``record_too_large``); None: no cap.
        self.max_record_bytes = max_record_bytes
        #: Seconds one article may take (``budget_exceeded`` past it); 0 turns the budget off.
        self.article_budget_s = article_budget_s
        self.validator = validator
        self.language = language
        self.entities = entities
        self.locations = locations
        self.observer = observer
        self.models = {
            "language": language.model_version,
            "entities": entities.model_version,
            "locations": locations.model_version,
        }
        #: Seconds each component took to load, for the ``khabar_model_load_seconds`` gauge.
        self.load_seconds: dict[str, float] = {}

    def warm_up(self) -> dict[str, float]:
        """Load lazily loaded models now, so the first article does not wait for them and
        readiness can mean "models loaded"; returns all load times known so far."""
        if isinstance(self.entities.tagger, WarmsUp):
            self.load_seconds.update(self.entities.tagger.warm_up())
        return dict(self.load_seconds)

    @classmethod
    def from_settings(cls, settings: WorkerSettings, observer: StageObserver | None = None) -> Pipeline:
        """The production pipeline; raises ``ModelMissingError`` when a required NER model is absent."""
        tagger: EntityTagger | None = None
        if settings.ner:
            from workers.ner.tagger import StanzaEntityTagger, set_torch_threads

            set_torch_threads(settings.torch_threads)
            tagger = StanzaEntityTagger(languages=settings.ner_language_list())
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
        pipeline = cls(
            Validator(max_body_chars=max_body_chars),
            LanguageStage(languages),
            EntityStage(tagger),
            LocationStage(gazetteer),
            observer=observer,
            max_record_bytes=max_record_bytes,
            article_budget_s=article_budget_s,
        )
        pipeline.load_seconds["gazetteer"] = gazetteer_seconds
        return pipeline

    def _observe(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        if self.observer is not None:
            self.observer(stage, now - started)
        return now

    def process(self, value: bytes | None) -> Outcome:
        """One record value -> one outcome, within the article budget; never raises."""
        return self.process_many([value])[0]

    def process_many(self, values: Sequence[bytes | None]) -> list[Outcome]:
        """Record values -> one outcome each, in order; never raises.

        Decode, validate and language run per article; the entities of all articles that got
        that far go to the tagger together (Stanza batches their sentences, which is where its
        speed comes from); locations and assembly run per article again. Each article keeps
        its own time budget, counted from its own decode.
        """
        outcomes: list[Outcome | None] = [None] * len(values)
        pending: list[_Pending] = []
        for index, value in enumerate(values):
            front = self._front(index, value)
            if isinstance(front, DeadLetter):
                outcomes[index] = front
            else:
                pending.append(front)
        for item in self._tag(pending):
            outcomes[item.index] = self._back(item)
        return [o for o in outcomes if o is not None]

    # -- the three phases ---------------------------------------------------------------------
    def _front(self, index: int, value: bytes | None) -> _Pending | DeadLetter:
        """decode -> validate -> language, under the article's budget."""
        article_id: str | None = None
        stage = "decode"
        t0 = time.perf_counter()
        try:
            with budget.article_budget(self.article_budget_s):
                t = t0
                obj = decode(value, self.max_record_bytes)
                raw_id = obj.get("id")
                article_id = raw_id if isinstance(raw_id, str) else None
                t = self._observe(stage, t)
                budget.check(stage)
                stage = self.validator.name
                article = self.validator(obj)
                t = self._observe(stage, t)
                budget.check(stage)
                stage = self.language.name
                language = self.language(article)
                self._observe(stage, t)
                budget.check(stage)
                return _Pending(index, article, language, t0)
        except Rejected as rej:
            return DeadLetter.rejected(rej, article_id)
        except Exception as exc:  # an article must never take the worker down
            return DeadLetter.crashed(stage, exc, article_id)

    def _tag(self, pending: list[_Pending]) -> list[_Pending]:
        """Entities for every pending article; those that fail become dead letters (kept in
        ``item.failed``). Articles go to the tagger in groups of at most ``BATCH_TAG_CHARS``
        characters, each group under one article budget, so no group can stall the partition
        for long. If a group fails (time or error), each of its articles is tagged alone with
        a budget of its own: only the culprit is dead-lettered, never its neighbours."""
        stage = self.entities.name
        alone: list[_Pending] = []
        for group in _groups(pending, BATCH_TAG_CHARS):
            if len(group) == 1:
                alone += group
                continue
            started = time.perf_counter()
            try:
                with budget.article_budget(self.article_budget_s):
                    tagged = self.entities.many([(p.article, p.language) for p in group])
                    budget.check(stage)
            except Exception:
                alone += group
                continue
            share = (time.perf_counter() - started) / len(group)
            for item, entities in zip(group, tagged, strict=True):
                item.entities = entities
                if self.observer is not None:
                    self.observer(stage, share)
        for item in alone:
            started = time.perf_counter()
            try:
                with budget.article_budget(self.article_budget_s):
                    item.entities = self.entities(item.article, item.language)
                    budget.check(stage)
            except Rejected as rej:
                item.failed = DeadLetter.rejected(rej, item.article.id)
            except Exception as exc:  # a tagger's bug dead-letters one article, naming the stage
                item.failed = DeadLetter.crashed(stage, exc, item.article.id)
            self._observe(stage, started)
        return pending

    def _back(self, item: _Pending) -> Outcome:
        """locations -> assemble -> encode. Once the places are found only the quick assembly
        is left, so an article that got that far is published even if it ran a little over."""
        if item.failed is not None:
            return item.failed
        article = item.article
        stage = self.locations.name
        try:
            t = time.perf_counter()
            locations = self.locations.tag(article, item.entities)
            t = self._observe(stage, t)
            stage = "assemble"
            event = assemble(
                article,
                item.language,
                agree(item.entities, locations, article),
                locations,
                worker_version=__version__,
                models=self.models,
                duration_s=t - item.t0,
            )
            value = orjson.dumps(event)
            self._observe(stage, t)
        except Rejected as rej:
            return DeadLetter.rejected(rej, article.id)
        except Exception as exc:  # a stage's bug dead-letters one article, naming the stage
            return DeadLetter.crashed(stage, exc, article.id)
        return Enriched(key=article.id.encode("utf-8"), value=value, event=event)


#: Most characters (titles + bodies) handed to the tagger in one call; a longer article is
#: tagged on its own. Stanza's batching gains flatten out well before this.
BATCH_TAG_CHARS = 20_000


def _groups(items: Sequence[_Pending], max_chars: int) -> list[list[_Pending]]:
    """Consecutive groups of at most ``max_chars`` characters (an article over it alone)."""
    groups: list[list[_Pending]] = []
    size = max_chars + 1
    for item in items:
        chars = item.article.text_chars()
        if size + chars > max_chars:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += chars
    return groups


@dataclass(slots=True)
class _Pending:
    """An article between the per-article front stages and the batched entities stage."""

    index: int
    article: Article
    language: LanguageTag
    t0: float
    entities: tuple[Entity, ...] = ()
    failed: DeadLetter | None = None
