"""``StanzaEntityTagger``: the entities stage backed by per-language Stanza pipelines.

Pipelines (``tokenize,ner``, plus ``mwt`` where a published model needs it) are built on the
first article of a language, once per process, and never touch the network
(``download_method=None``). Offsets are Stanza's ``start_char``/``end_char`` into the text it
was given; every span is checked against the article's own text before it is emitted, and a
span that does not check out is dropped and counted rather than sent with wrong offsets. An
English nationality word the model read as a person or place is MISC
(:mod:`workers.ner.nationalities`).

Text reaches Stanza in chunks of at most ``MAX_CHUNK_CHARS``, and the chunks in runs of at most
``MAX_RUN_CHARS`` per Stanza call: a normal article is one call (Stanza batches its sentences),
a very long body several, with the article's time budget checked before each
(:mod:`workers.core.budget`), so a 200 000-character body stops near the budget instead of
running to its end. Any exception Stanza raises propagates to the pipeline, which dead-letters
that article with the ``entities`` stage named.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

from workers.core import budget
from workers.core.records import Article, Entity, EntityLabel, LanguageTag, Span, TextField
from workers.core.stages import ENTITIES
from workers.ner.inference import tag_sentences
from workers.ner.nationalities import corrected_label
from workers.ner.registry import ModelDirs, ModelSpec, find_model, installed_models, require_model
from workers.ner.tokens import sentences

log = logging.getLogger(__name__)

#: Longest text handed to Stanza in one piece; longer bodies are cut at paragraph or sentence ends.
MAX_CHUNK_CHARS: Final = 5_000
#: Most text per Stanza call (a run of chunks), which bounds how late past its budget a long article
#: is stopped: about a second of CPU with the starter models on an idle core, many more on a busy
#: machine. One 5 000-character chunk already fills Stanza's sentence batches, so smaller runs cost
#: no throughput; a normal article (title and body) still fits in one run.
MAX_RUN_CHARS: Final = 10_000

#: Stanza/OntoNotes/CoNLL/Wojood labels -> the product's labels. ``None``: not a named entity here
#: (numbers and dates are values, not names). A label missing from the table becomes MISC.
LABELS: Final[dict[str, EntityLabel | None]] = {
    "PER": "PER",
    "PERSON": "PER",
    "PERS": "PER",
    "ORG": "ORG",
    "ORGANIZATION": "ORG",
    "ORGANISATION": "ORG",
    "LOC": "LOC",
    "LOCATION": "LOC",
    "GPE": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",  # nationalities, religious and political groups: adjectives more than names
    "MISC": "MISC",
    "DATE": None,
    "TIME": None,
    "PERCENT": None,
    "MONEY": None,
    "QUANTITY": None,
    "ORDINAL": None,
    "CARDINAL": None,
}


def normalize_label(raw: str) -> EntityLabel | None:
    """The product label for a model's label (EVENT, WORK_OF_ART, ... -> MISC; DATE, MONEY -> None)."""
    key = raw.strip().upper()
    if key[:2] in ("B-", "I-", "E-", "S-"):
        key = key[2:]
    return LABELS.get(key, "MISC")


# Whitespace Stanza may treat differently from a plain space, replaced one for one so offsets
# into the cleaned text are offsets into the original.
_ODD_SPACE = re.compile("[\r\t\v\f\u00a0\u1680\u2000-\u200b\u200e\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]")
_PARAGRAPH = re.compile(r"\n[ \t\r\u00a0]*\n")
_LINE = re.compile(r"\n")
_SENTENCE = re.compile(r"(?<=[.!?؟।。])[\"'»”)\]]*\s+")
_SPACE = re.compile(r"\s+")


def clean_for_stanza(text: str) -> str:
    """``text`` with odd whitespace made plain, same length, so offsets carry over unchanged."""
    return _ODD_SPACE.sub(" ", text)


def chunk_text(text: str, limit: int = MAX_CHUNK_CHARS) -> list[tuple[int, str]]:
    """(offset, piece) pairs covering ``text``, each piece at most ``limit`` characters.

    Cuts fall on paragraph breaks first, then line breaks, sentence ends, spaces, and only as a
    last resort inside a word; pieces are packed greedily up to the limit.
    """
    if len(text) <= limit:
        return [(0, text)] if text else []
    out: list[tuple[int, str]] = []
    for start, end in _split(text, 0, len(text), limit, (_PARAGRAPH, _LINE, _SENTENCE, _SPACE)):
        out.append((start, text[start:end]))
    return out


def _split(
    text: str, start: int, end: int, limit: int, seps: Sequence[re.Pattern[str]]
) -> list[tuple[int, int]]:
    if end - start <= limit:
        return [(start, end)]
    if not seps:
        return [(i, min(i + limit, end)) for i in range(start, end, limit)]
    sep, rest = seps[0], seps[1:]
    cuts = [m.end() for m in sep.finditer(text, start, end) if m.end() < end]
    bounds = [start, *cuts, end]
    pieces: list[tuple[int, int]] = []
    for a, b in pairwise(bounds):
        pieces.extend(_split(text, a, b, limit, rest))
    packed: list[tuple[int, int]] = []
    for a, b in pieces:
        if packed and b - packed[-1][0] <= limit:
            packed[-1] = (packed[-1][0], b)
        else:
            packed.append((a, b))
    return packed


#: (label, start, end, text, confidence) as Stanza reports an entity.
_RawEntity = tuple[str, int, int, str, float | None]


@dataclass(frozen=True, slots=True)
class _Chunk:
    item: int
    field: TextField
    offset: int
    text: str  # cleaned; same length as the original piece


def runs_of(chunks: Sequence[_Chunk], max_chars: int) -> list[list[_Chunk]]:
    """Consecutive chunks grouped greedily into runs of at most ``max_chars`` characters (a chunk
    longer than that is a run of its own)."""
    runs: list[list[_Chunk]] = []
    size = 0
    for chunk in chunks:
        if runs and size + len(chunk.text) <= max_chars:
            runs[-1].append(chunk)
            size += len(chunk.text)
        else:
            runs.append([chunk])
            size = len(chunk.text)
    return runs


class _LoadedPipeline:
    """A Stanza pipeline and the lock that serialises its use (Stanza pipelines are not re-entrant).

    ``pretokenized``: the pipeline is given the project's tokens (:mod:`workers.ner.tokens`)
    rather than text."""

    def __init__(self, spec: ModelSpec, pipeline: Any, *, pretokenized: bool) -> None:
        self.spec = spec
        self.pipeline = pipeline
        self.pretokenized = pretokenized
        self.lock = threading.Lock()


# One pipeline per (language, model files) per process, however many taggers are created.
_PIPELINES: dict[tuple[str, str, str, bool], _LoadedPipeline] = {}
_PIPELINES_LOCK = threading.Lock()


def _offline_resources_dir() -> Path:
    """A Stanza resources dir whose resources.json is ``{}``: Stanza then resolves nothing itself."""
    return Path(str(files("workers.ner").joinpath("data").joinpath("stanza_offline")))


class _QuietUnknownLanguage(logging.Filter):
    """Starter models load through an empty resources.json, which Stanza reports as an unsupported
    language at WARNING on every load; that is expected here and says nothing useful."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "nsupported language" not in record.getMessage()


def build_pipeline(spec: ModelSpec, batch_size: int, *, neural_tokenizer: bool = False) -> Any:
    """A Stanza pipeline for ``spec``. A trained model reads the project's own tokens
    (``tokenize_pretokenized``) unless ``neural_tokenizer`` asks for Stanza's tokenizer
    (``tokenize.pt``) in front of it, the reference path ``khabar bench`` measures against."""
    with _no_optimizer():
        return _build_pipeline(spec, batch_size, neural_tokenizer=neural_tokenizer)


@contextlib.contextmanager
def _no_optimizer() -> Iterator[None]:
    """Stanza's NER trainer builds an SGD optimizer even to predict, and torch's ``Optimizer``
    imports ``torch._dynamo`` on first use, which imports sympy: about 830 modules and 80 MB per
    worker (measured) for an object inference never touches. While a pipeline is built, the
    trainer gets no optimizer; one that trains calls Stanza's trainers, never this."""
    from stanza.models.common import utils as stanza_utils

    original = stanza_utils.get_optimizer
    stanza_utils.get_optimizer = lambda *args, **kwargs: None
    try:
        yield
    finally:
        stanza_utils.get_optimizer = original


def _build_pipeline(spec: ModelSpec, batch_size: int, *, neural_tokenizer: bool) -> Any:
    import stanza

    common: dict[str, Any] = {
        "download_method": None,
        "use_gpu": False,
        "logging_level": "WARN",
        "tokenize_batch_size": batch_size,
        "ner_batch_size": batch_size,
    }
    if spec.kind == "published":
        # Stanza resolves the default packages and their pretrain/charlm files from resources.json.
        processors = "tokenize,mwt,ner" if spec.needs_mwt else "tokenize,ner"
        return stanza.Pipeline(spec.lang, dir=str(spec.directory), processors=processors, **common)
    if spec.pretokenized and not neural_tokenizer:
        # Stanza adds a processor for an unknown language only through its *_model_path; with
        # ``pretokenized`` the tokenize processor loads no model, so the path is only a name.
        tokenizer: dict[str, Any] = {"tokenize_pretokenized": True, "tokenize_model_path": "pretokenized"}
    elif spec.tokenize_path is not None:
        tokenizer = {"tokenize_model_path": str(spec.tokenize_path)}
    else:
        raise ValueError(f"the {spec.lang} model in {spec.directory} has no {spec.directory / 'tokenize.pt'}")
    quiet = _QuietUnknownLanguage()
    stanza_log = logging.getLogger("stanza")
    stanza_log.addFilter(quiet)
    try:
        return stanza.Pipeline(
            spec.lang,
            dir=str(_offline_resources_dir()),
            processors="tokenize,ner",
            ner_model_path=str(spec.ner_path),
            **tokenizer,
            **common,
        )
    finally:
        stanza_log.removeFilter(quiet)


def set_torch_threads(threads: int) -> None:
    """Limit torch's intra-op threads for this process (0 leaves torch's default). On small
    batches of short sentences extra threads mostly wait on each other: measured here, one
    thread tagged 6.1 articles/s and two threads 5.1, so processes, not threads, are the way
    to use more cores."""
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


class StanzaEntityTagger:
    """Finds PER/ORG/LOC/MISC entities with Stanza; satisfies ``workers.pipeline.entities.EntityTagger``.

    ``languages``: languages that must have a model, checked now (a missing one raises
    :class:`~workers.ner.registry.ModelMissingError` naming the command that installs it).
    Any other language is tagged when a model happens to be installed, else gets ``()``.
    ``models``: the directories every model is looked for in (the worker passes
    ``ModelDirs.from_settings(settings)``); ``None`` means those the ``KHABAR_*`` settings name.
    """

    def __init__(
        self,
        languages: Sequence[str] = (),
        max_chunk_chars: int = MAX_CHUNK_CHARS,
        batch_size: int = 64,
        max_run_chars: int = MAX_RUN_CHARS,
        *,
        neural_tokenizer: bool = False,
        models: ModelDirs | None = None,
    ) -> None:
        #: Put Stanza's neural tokenizer in front of a trained model instead of the project's
        #: tokens: the old path, which ``khabar bench`` measures the new one against.
        self.neural_tokenizer = neural_tokenizer
        self.max_chunk_chars = max_chunk_chars
        self.max_run_chars = max_run_chars
        self.batch_size = batch_size
        #: Where models are looked for; ``None``: where the settings say, at each lookup.
        self.models = models
        self.required = frozenset(lang.lower() for lang in languages)
        self._specs: dict[str, ModelSpec | None] = {
            lang: require_model(lang, models) for lang in self.required
        }
        self._specs_lock = threading.Lock()
        #: Spans dropped because their offsets did not match the text, and other counts.
        self.stats: Counter[str] = Counter()
        specs = [s for s in self._specs.values() if s is not None] or installed_models(models)
        self.model_version = "stanza:" + (",".join(sorted(s.version for s in specs)) or "none")

    # -- models ---------------------------------------------------------------------------
    def spec(self, lang: str) -> ModelSpec | None:
        """The model ``lang`` uses, looked up once."""
        with self._specs_lock:
            if lang not in self._specs:
                self._specs[lang] = find_model(lang, self.models)
            return self._specs[lang]

    def pipeline(self, lang: str) -> _LoadedPipeline | None:
        """The process-wide pipeline for ``lang``, built on first use; ``None`` without a model."""
        spec = self.spec(lang)
        if spec is None:
            return None
        pretokenized = spec.pretokenized and not self.neural_tokenizer
        key = (lang, str(spec.tokenize_path), str(spec.ner_path), pretokenized)
        loaded = _PIPELINES.get(key)
        if loaded is not None:
            return loaded
        with _PIPELINES_LOCK:
            loaded = _PIPELINES.get(key)
            if loaded is None:
                log.info("loading %s NER model for %r from %s", spec.kind, lang, spec.directory)
                try:
                    built = build_pipeline(spec, self.batch_size, neural_tokenizer=self.neural_tokenizer)
                    loaded = _LoadedPipeline(spec, built, pretokenized=pretokenized)
                except Exception:
                    if lang in self.required:
                        raise  # the operator asked for this language: every article says why it failed
                    # An optional language with a broken model is tagged like one without a model,
                    # reported once here rather than as an error on each of its articles.
                    log.exception(
                        "cannot load the %s NER model for %r; its articles get no entities", spec.kind, lang
                    )
                    with self._specs_lock:
                        self._specs[lang] = None
                    return None
                _PIPELINES[key] = loaded
            return loaded

    def warm_up(self) -> dict[str, float]:
        """Load each required language's model and run it once, now rather than on the first
        article (which would otherwise wait seconds); returns seconds per ``ner-<lang>``."""
        seconds: dict[str, float] = {}
        for lang in sorted(self.required):
            started = time.perf_counter()
            loaded = self.pipeline(lang)
            if loaded is not None:
                self._run(loaded, [_Chunk(0, "body", 0, "Warm up.")])
            seconds[f"ner-{lang}"] = time.perf_counter() - started
        return seconds

    # -- tagging --------------------------------------------------------------------------
    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        """Entities in the article's title and body, offsets verified against the raw text."""
        return self.tag_many([(article, language)])[0]

    def tag_many(self, items: Sequence[tuple[Article, LanguageTag]]) -> list[tuple[Entity, ...]]:
        """Tag several articles, one Stanza call per language and run of ``max_run_chars`` (Stanza
        batches their sentences); the article budget, if any, is checked before each call."""
        results: list[list[Entity]] = [[] for _ in items]
        by_lang: dict[str, list[int]] = {}
        for i, (_, language) in enumerate(items):
            by_lang.setdefault(language.code.split("-")[0].lower(), []).append(i)
        for lang, indexes in by_lang.items():
            loaded = self.pipeline(lang)
            if loaded is None:
                self.stats["articles_without_model"] += len(indexes)
                continue
            chunks = [c for i in indexes for c in self._chunks(i, items[i][0])]
            for run in runs_of(chunks, self.max_run_chars):
                budget.check(ENTITIES)
                for chunk, entities in zip(run, self._run(loaded, run), strict=True):
                    article = items[chunk.item][0]
                    results[chunk.item].extend(self._verified(article, chunk, entities, lang))
        return [tuple(sorted(r, key=_order)) for r in results]

    def _chunks(self, item: int, article: Article) -> Iterable[_Chunk]:
        fields: tuple[TextField, ...] = ("title", "body")
        for field in fields:
            text = article.text_of(field)
            if not text.strip():
                continue
            for offset, piece in chunk_text(text, self.max_chunk_chars):
                if piece.strip():
                    yield _Chunk(item, field, offset, clean_for_stanza(piece))

    def _run(self, loaded: _LoadedPipeline, chunks: Sequence[_Chunk]) -> list[list[_RawEntity]]:
        if loaded.pretokenized:
            return self._run_pretokenized(loaded, chunks)
        import stanza

        docs = [stanza.Document([], text=c.text) for c in chunks]
        with loaded.lock:
            out = loaded.pipeline(docs)
        return [[(e.type, e.start_char, e.end_char, e.text, None) for e in doc.ents] for doc in out]

    def _run_pretokenized(self, loaded: _LoadedPipeline, chunks: Sequence[_Chunk]) -> list[list[_RawEntity]]:
        """All chunks' sentences in one Stanza call; entities are read from the per-token tags
        and placed with the tokenizer's own offsets, so they land on the text exactly. Each
        carries the least confidence of its tokens' tags."""
        spans = [sentences(c.text) for c in chunks]
        batch = [
            [c.text[a:b] for a, b in sent] for c, sents in zip(chunks, spans, strict=True) for sent in sents
        ]
        with loaded.lock:
            tagged = iter(tag_sentences(loaded.pipeline, batch))
        out: list[list[_RawEntity]] = []
        for chunk, sents in zip(chunks, spans, strict=True):
            found: list[_RawEntity] = []
            for sent in sents:
                result = next(tagged)
                for label, first, last in entity_runs(result.tags):
                    start, end = sent[first][0], sent[last][1]
                    sure = min(result.confidence[first : last + 1])
                    found.append((label, start, end, chunk.text[start:end], sure))
            out.append(found)
        return out

    def _verified(
        self, article: Article, chunk: _Chunk, entities: Iterable[_RawEntity], lang: str
    ) -> Iterator[Entity]:
        original = article.text_of(chunk.field)
        for raw_label, start, end, text, confidence in entities:
            label = normalize_label(raw_label)
            if label is None:
                continue
            located = _locate(chunk.text, start, end, text)
            if located is None:
                self.stats["spans_dropped_unverified"] += 1
                log.debug("dropped %s span %r at %s-%s: offsets do not match", raw_label, text, start, end)
                continue
            s, e = located[0] + chunk.offset, located[1] + chunk.offset
            span_text = original[s:e]
            # Cleaning only swapped odd spaces, so the original differs at most in those.
            if clean_for_stanza(span_text) != chunk.text[located[0] : located[1]]:
                self.stats["spans_dropped_unverified"] += 1
                continue
            yield Entity(
                Span(span_text, s, e, chunk.field), corrected_label(lang, span_text, label), confidence
            )


def entity_runs(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(label, first token, last token) of each entity in a sentence's BIO or BIOES tags.

    ``B-``/``S-`` open an entity, ``I-``/``E-`` continue one of the same label (or open one, as
    a stray ``I-`` does in the scorer), ``E-``/``S-`` close it, ``O`` ends any."""
    runs: list[tuple[str, int, int]] = []
    open_label: str | None = None
    first = 0
    for k, tag in enumerate(tags):
        prefix, label = (tag[:1], tag[2:]) if len(tag) > 2 and tag[1] == "-" else ("O", "")
        if prefix == "O" or prefix in "BS" or label != open_label:
            if open_label is not None:
                runs.append((open_label, first, k - 1))
            open_label, first = (label, k) if prefix != "O" else (None, k)
        if prefix in "ES" and open_label is not None:
            runs.append((open_label, first, k))
            open_label = None
    if open_label is not None:
        runs.append((open_label, first, len(tags) - 1))
    return runs


def _locate(text: str, start: int | None, end: int | None, span: str | None) -> tuple[int, int] | None:
    """Stanza's offsets if they hold the span's text, else its one nearby occurrence, else None."""
    if start is None or end is None or not span:
        return None
    if 0 <= start < end <= len(text) and text[start:end] == span:
        if span != span.strip():
            lead = len(span) - len(span.lstrip())
            trail = len(span) - len(span.rstrip())
            return (start + lead, end - trail) if end - trail > start + lead else None
        return start, end
    window_start = max(0, start - 50)
    window = text[window_start : max(end, start) + 50]
    hits = [m.start() for m in re.finditer(re.escape(span), window)]
    if len(hits) != 1:
        return None
    s = window_start + hits[0]
    return s, s + len(span)


def _order(entity: Entity) -> tuple[int, int, int]:
    return (0 if entity.span.field == "title" else 1, entity.span.start, entity.span.end)
