"""Stage 3: which language an article is written in (py3langid, offline).

Short texts (tweets, titles) carry little signal and much noise: handles, links,
hashtags glued in CamelCase, shouting in capitals, emoji. Those are removed or
folded before the model sees the text, and the model only chooses among
languages a news stream can plausibly carry (``KHABAR_LANGUAGES`` narrows it).
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Iterable
from importlib.metadata import version
from operator import itemgetter
from typing import Any

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from workers.records import Article, LanguageTag

log = logging.getLogger(__name__)

STAGE = "language"

#: Enough text to decide; more only costs time on long articles.
SAMPLE_CHARS = 2_000
#: Below this the model is guessing, and a producer's hint is trusted instead.
HINT_THRESHOLD = 0.5
HINT_TOP_K = 5
#: So little signal that any well-formed hint is a better answer than the model's.
NO_SIGNAL = 0.15

#: The model tells some varieties apart; downstream wants the ISO 639-1 macrolanguage.
#: Their probabilities are summed, so Gulf or Egyptian Arabic count as Arabic.
MACROLANGUAGE = {
    "ary": "ar",
    "arz": "ar",
    "yue": "zh",
    "wuu": "zh",
    "uzs": "uz",
    "nn": "no",
    "sdh": "ku",
    "ltg": "lv",
    "gug": "gn",
}

#: Labels the model knows that a news stream practically never carries: dead, liturgical and
#: constructed languages, and regional varieties and pidgins with little written press that the
#: model confuses with the major language next to them (Nigerian Pidgin vs. English headlines).
#: Excluded unless ``KHABAR_LANGUAGES`` names them explicitly.
RARELY_PUBLISHED = frozenset(
    {"la", "grc", "hbo", "sa", "vo", "eo", "zxx", "pcm", "ext", "lij", "vec", "wa", "gcf", "gcr", "an", "bcl"}
)

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@\w+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HASHTAG = re.compile(r"#(\w+)")
#: Digits, punctuation runs and symbols (emoji included) are evidence for no language.
_NOISE = re.compile(r"[\d\W_]+")
#: What is left between the noise: ``_WORDS.findall(t)`` is ``_NOISE.sub(" ", t).split()``.
_WORDS = re.compile(r"[^\d\W_]+")


def clean_for_identification(text: str) -> str:
    """The words of ``text`` without links, handles, '#', CamelCase glue or all-caps shouting."""
    # Each substitution runs only where its pattern can match at all.
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)).replace("_", " ") + " ", text)
    words = _WORDS.findall(text)
    joined = " ".join(words)
    if joined.lower() == joined:
        return joined  # no capitals, so no word in capitals only (Arabic has no case at all)
    return " ".join([w.lower() if w.isupper() else w for w in words])


@functools.cache
def _identifier(languages: frozenset[str] | None) -> LanguageIdentifier:
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(ident.labels)
    if languages is None:
        allowed = known - RARELY_PUBLISHED
    else:
        # A macrolanguage brings its varieties along (ar -> ary, arz), so folding still works.
        wanted = set(languages) | {v for v, macro in MACROLANGUAGE.items() if macro in languages}
        unknown = set(languages) - known - set(MACROLANGUAGE.values())
        if unknown:
            raise ValueError(f"the language model does not know {sorted(unknown)}")
        allowed = wanted & known
    ident.set_languages(sorted(allowed))
    return ident


class FastRanker:
    """py3langid's ``rank`` with the same numbers, at a fraction of the cost.

    The model reads text bytes with an automaton whose states are n-gram prefixes no longer
    than ``depth`` bytes (Aho-Corasick), so the state after any byte depends only on the last
    ``depth`` bytes: starting from the initial state on each window of ``depth`` bytes gives it.
    That walk is ``depth`` array look-ups over all positions at once instead of a Python loop
    per byte. Features are then counted in order of first occurrence and scored with the same
    numpy operations, in the same order, as py3langid does (the float16 table is widened to
    float32 once, as numpy widens it on every call), so every probability is bit for bit the
    library's. :meth:`create` returns None when the model is not of that shape.
    """

    #: Deeper automata (longer n-grams) than this are left to the library.
    MAX_DEPTH = 16

    def __init__(self, ident: LanguageIdentifier, depth: int) -> None:
        self._ident = ident
        self._depth = depth
        self._nextmove_list: Any = ident.tk_nextmove
        self._rowbase_list: list[int] = ident._rowbase
        self._output_list: list[int] = list(ident.tk_output)
        self._nextmove = np.frombuffer(ident.tk_nextmove, dtype=np.uint32)
        self._rowbase = np.asarray(ident._rowbase, dtype=np.intp)
        self._output = np.asarray(ident.tk_output, dtype=np.intp)
        self._table = np.ascontiguousarray(ident.nb_ptc, dtype=np.float32)
        self._prior = ident.nb_pc
        self._classes: list[str] = list(ident.nb_classes)
        self._alias_pairs: list[tuple[int, int]] = list(ident._alias_pairs)
        self._norm_probs: bool = ident._norm_probs

    @classmethod
    def create(cls, ident: LanguageIdentifier) -> FastRanker | None:
        try:
            depth = _automaton_depth(ident)
            if depth is None or depth > cls.MAX_DEPTH or not 0 < ident.tk_nextmove.itemsize <= 4:
                return None
            return cls(ident, depth)
        except (AttributeError, TypeError, ValueError):  # another py3langid than the one pinned
            log.warning("language: py3langid's internals differ, using its own (slower) scoring")
            return None

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Exactly ``LanguageIdentifier.rank(text)``."""
        data: bytes = self._ident._encode(text)
        scores = self._raw_scores(data)
        if self._norm_probs:
            scores *= 1.0 / math.sqrt(len(data) or 1)
            np.exp(scores - scores.max(), out=scores)
            scores /= scores.sum()
        for i, j in self._alias_pairs:
            if self._norm_probs:
                scores[i] += scores[j]
                scores[j] = 0.0
            else:
                scores[i] = max(scores[i], scores[j])
                scores[j] = _RAW_FLOOR
        merged: dict[str, float] = {}
        for lang, score in zip(self._classes, scores.tolist(), strict=True):
            merged.setdefault(lang, score)
        return sorted(merged.items(), key=itemgetter(1), reverse=True)

    def _features(self, data: bytes) -> Any:
        """The feature index at each byte that completes one, in text order."""
        depth = self._depth
        head: list[int] = []
        state = 0
        for byte in data[: depth - 1]:
            state = self._nextmove_list[self._rowbase_list[state] + byte]
            head.append(self._output_list[state])
        found = np.asarray(head, dtype=np.intp)
        if len(data) >= depth:
            values = np.frombuffer(data, dtype=np.uint8).astype(np.intp)
            windows = len(data) - depth + 1
            states = np.zeros(windows, dtype=np.intp)
            for k in range(depth):
                states = self._nextmove[self._rowbase[states] + values[k : k + windows]]
            found = np.concatenate((found, self._output[states]))
        return found[found >= 0]

    def _raw_scores(self, data: bytes) -> Any:
        features = self._features(data)
        if not features.size:
            fill = 0.0 if self._norm_probs else _RAW_FLOOR
            return np.full(len(self._classes), fill, dtype=np.float32)
        # Counted like collections.Counter: distinct features in order of first occurrence.
        shift = len(features).bit_length()
        keys = np.sort((features << shift) | np.arange(len(features), dtype=np.intp))
        feature = keys >> shift
        starts = np.flatnonzero(np.diff(feature, prepend=-1))
        first = (keys & ((1 << shift) - 1))[starts]
        counts = np.diff(np.append(starts, len(keys)))
        order = np.argsort(first)
        index = feature[starts][order]
        weights = counts[order].astype(np.float32)
        return np.log1p(weights) @ self._table[index] + self._prior


#: py3langid's floor for a score with no evidence (``RAW_FLOOR``).
_RAW_FLOOR = float(np.finfo(np.float32).min)


def _automaton_depth(ident: LanguageIdentifier) -> int | None:
    """Length of the longest byte string the automaton's states stand for (None if unbounded):
    the breadth-first distance of the farthest state from the initial one."""
    table = np.frombuffer(ident.tk_nextmove, dtype=np.uint32).reshape(-1, 256)
    rows = np.asarray(ident.tk_row, dtype=np.intp)
    seen = np.zeros(len(rows), dtype=bool)
    seen[0] = True
    frontier = np.array([0], dtype=np.intp)
    depth = 0
    while True:
        reached = np.zeros(len(rows), dtype=bool)
        reached[table[np.unique(rows[frontier])].ravel()] = True
        new = np.flatnonzero(reached & ~seen)
        if not new.size:
            return depth
        depth += 1
        if depth > FastRanker.MAX_DEPTH:
            return None
        seen[new] = True
        frontier = new.astype(np.intp)


@functools.cache
def _ranker(languages: frozenset[str] | None) -> FastRanker | None:
    return FastRanker.create(_identifier(languages))


def primary_subtag(tag: str | None) -> str | None:
    """``ar-QA`` -> ``ar``; anything that is not a language code -> None."""
    if not tag:
        return None
    head = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return head if head.isascii() and head.isalpha() and 2 <= len(head) <= 3 else None


class LanguageStage:
    name = STAGE
    requires = frozenset({"article"})
    provides = frozenset({"language"})
    model_version = f"py3langid {version('py3langid')}"

    def __init__(self, languages: Iterable[str] | None = None) -> None:
        wanted = frozenset(languages) if languages else None
        self._ident = _identifier(wanted)
        self._fast = _ranker(wanted)

    def __call__(self, article: Article) -> LanguageTag:
        text = f"{article.title}\n{article.body}" if article.title else article.body
        sample = clean_for_identification(text[:SAMPLE_CHARS])
        hint = primary_subtag(article.lang_hint)
        if not sample:
            # Nothing but links, numbers and symbols: only the producer can know.
            return LanguageTag(code=hint or "und", confidence=0.0, source="hint" if hint else "model")
        ranked = self.rank(sample)
        best, confidence = ranked[0]
        if hint and hint != best and confidence < HINT_THRESHOLD:
            plausible = hint in {code for code, _ in ranked[:HINT_TOP_K]}
            if plausible or confidence < NO_SIGNAL:
                return LanguageTag(code=hint, confidence=round(confidence, 4), source="hint")
        return LanguageTag(code=best, confidence=round(confidence, 4))

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(code, probability) best first, varieties folded into their macrolanguage."""
        merged: dict[str, float] = {}
        ranked = self._fast.rank(text) if self._fast is not None else self._ident.rank(text)
        for label, prob in ranked:
            code = MACROLANGUAGE.get(label, label)
            merged[code] = merged.get(code, 0.0) + float(prob)
        return sorted(merged.items(), key=lambda item: item[1], reverse=True)
