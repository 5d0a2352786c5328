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
import sys
import threading
from collections.abc import Callable, Iterable
from importlib.metadata import version
from itertools import compress, count
from operator import itemgetter
from typing import Any

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from workers.core import stages
from workers.core.records import Article, LanguageTag

log = logging.getLogger(__name__)

STAGE = stages.LANGUAGE

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
#: The words: digits, punctuation runs and symbols (emoji included) between them are evidence
#: for no language.
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
    # ``" ".join(_WORDS.findall(text))``, by the cheapest route that gives exactly that.
    if text.isascii():
        # In ASCII the word characters are the letters, and translate and split are C loops.
        words = text.encode("ascii").translate(_ASCII_NOISE_TO_SPACE).decode("ascii").split()
        joined = " ".join(words)
    elif len(text) >= _TABLE_FROM:
        joined = _words_by_table(text)
        words = None
    else:
        words = _WORDS.findall(text)
        joined = " ".join(words)
    if joined.lower() == joined:
        return joined  # no capitals, so no word in capitals only (Arabic has no case at all)
    if words is None:
        words = joined.split(" ")
    # str.isupper over the words in C; only the few all-caps ones are touched in Python.
    shouted = list(compress(count(), map(str.isupper, words)))
    if not shouted:
        return joined
    for i in shouted:
        words[i] = words[i].lower()
    return " ".join(words)


_ASCII_NOISE_TO_SPACE = bytes(c if _WORDS.fullmatch(chr(c)) else 32 for c in range(256))
#: Below this many characters the regular expression is cheaper than the table's fixed cost.
_TABLE_FROM = 300


@functools.cache
def _word_chars() -> Any:
    """Whether each code point is one ``_WORDS`` matches, taken from the expression itself."""
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    kept = "".join(_WORDS.findall(everything))
    table = np.zeros(sys.maxunicode + 1, dtype=bool)
    table[np.frombuffer(kept.encode("utf-32-le"), dtype=np.uint32)] = True
    return table


def _words_by_table(text: str) -> str:
    """``" ".join(_WORDS.findall(text))`` with one table look-up per character instead of the
    expression's Unicode class tests: a few numpy calls, cheaper from a few hundred characters."""
    # The leading space makes every word character's predecessor exist (and be noise at the start).
    points = np.frombuffer((" " + text).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word = np.take(_word_chars(), points)
    # Word characters, and the first noise character after each word, which becomes the space.
    chosen = word[1:] | word[:-1]
    joined: str = np.where(word, points, 32)[1:][chosen].tobytes().decode("utf-32-le", "surrogatepass")
    return joined[:-1] if joined.endswith(" ") else joined


def load_identifier(languages: frozenset[str] | None) -> LanguageIdentifier:
    """py3langid's identifier, narrowed to ``languages`` (None: all but the rarely published).

    Not cached: it holds the model's float16 tables twice (whole and narrowed), about 50 MB
    that a stage with a :class:`FastRanker` never reads, so only the ranker is kept.
    """
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
    That walk is about ``depth`` array look-ups over all positions at once (the first two moves
    in one, by byte pair) instead of a Python loop per byte. Features are then counted in order
    of first occurrence and scored with the same numpy operations, in the same order, as
    py3langid does (the float16 table is widened to float32 once, as numpy widens it on every
    call), so every probability is bit for bit the library's. :meth:`create` returns None when
    the model is not of that shape. The tables cost about 90 MB (float32 scores, row offsets).
    """

    #: Deeper automata (longer n-grams) than this are left to the library.
    MAX_DEPTH = 16

    def __init__(self, ident: LanguageIdentifier, depth: int, idle: int) -> None:
        # Only what scoring reads is kept, not the identifier (see load_identifier).
        self._encode = ident._encode
        self._depth = depth
        # Windows starting before the text read this byte first, which keeps the automaton in
        # its initial state: every byte then ends a full window, no separate walk for the head.
        self._pad = bytes([idle]) * (depth - 1)
        nextmove = np.frombuffer(ident.tk_nextmove, dtype=np.uint32)
        rowbase = np.asarray(ident._rowbase, dtype=np.int32)
        self._root = int(rowbase[0])
        self._nextmove = nextmove
        # The row offset of the state each move leads to: one look-up per byte instead of two.
        self._step = rowbase[nextmove]
        # The first two moves from the initial state, in one look-up by the byte pair.
        pairs = np.arange(1 << 16, dtype=np.int32)
        self._root2 = self._step[self._step[self._root + (pairs >> 8)] + (pairs & 0xFF)]
        self._output = np.asarray(ident.tk_output, dtype=np.intp)
        self._table = np.ascontiguousarray(ident.nb_ptc, dtype=np.float32)
        self._prior = ident.nb_pc
        # log1p is elementwise: looking up the float32 log1p of each count gives the very values
        # np.log1p computes on the float32 counts, without evaluating it a thousand times.
        self._log1p = np.log1p(np.arange(_LOG1P_COUNTS, dtype=np.float32))
        self._classes: list[str] = list(ident.nb_classes)
        self._alias_pairs: list[tuple[int, int]] = list(ident._alias_pairs)
        self._norm_probs: bool = ident._norm_probs
        self._scratch = threading.local()

    @classmethod
    def create(cls, ident: LanguageIdentifier) -> FastRanker | None:
        try:
            depth = _automaton_depth(ident)
            if depth is None or depth > cls.MAX_DEPTH or not 0 < ident.tk_nextmove.itemsize <= 4:
                return None
            if len(ident.tk_nextmove) >= 1 << 31:  # row offsets are kept as int32
                return None
            idle = _idle_byte(ident)
            if idle is None:
                return None
            return cls(ident, depth, idle)
        except (AttributeError, TypeError, ValueError):  # another py3langid than the one pinned
            log.warning("language: py3langid's internals differ, using its own (slower) scoring")
            return None

    @property
    def classes(self) -> list[str]:
        """The label of each column of :meth:`scores` (a label may own more than one)."""
        return self._classes

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Exactly ``LanguageIdentifier.rank(text)``."""
        merged: dict[str, float] = {}
        for lang, score in zip(self._classes, self.scores(text).tolist(), strict=True):
            merged.setdefault(lang, score)
        return sorted(merged.items(), key=itemgetter(1), reverse=True)

    def scores(self, text: str) -> Any:
        """Exactly ``LanguageIdentifier._decide(text)``: one float32 score per column, a
        label's aliases folded into its first column."""
        data: bytes = self._encode(text)
        scores = self._raw_scores(data)
        if self._norm_probs:
            # ndarray.max and .sum are these reductions behind a Python wrapper.
            scores *= 1.0 / math.sqrt(len(data) or 1)
            np.exp(scores - np.maximum.reduce(scores), out=scores)
            scores /= np.add.reduce(scores)
        for i, j in self._alias_pairs:
            if self._norm_probs:
                scores[i] += scores[j]
                scores[j] = 0.0
            else:
                scores[i] = max(scores[i], scores[j])
                scores[j] = _RAW_FLOOR
        return scores

    def _features(self, data: bytes) -> Any:
        """The feature index at each byte that completes one, in text order."""
        depth = self._depth
        windows = len(data)
        padded = self._pad + data
        values = np.frombuffer(padded, dtype=np.uint8)
        if depth >= 3:
            # Overlapping big-endian byte pairs, read in place (a view with a one-byte stride).
            pairs = np.ndarray((windows,), dtype=">u2", buffer=padded, strides=(1,))
            rows = np.take(self._root2, pairs)
            start = 2
        else:
            rows = np.full(windows, self._root, dtype=np.int32)
            start = 0
        step = self._step
        for k in range(start, depth - 1):
            rows = np.take(step, rows + values[k : k + windows])
        found = np.take(self._output, np.take(self._nextmove, rows + values[depth - 1 : depth - 1 + windows]))
        return found[found >= 0]

    def _raw_scores(self, data: bytes) -> Any:
        features = self._features(data)
        size = len(features)
        if not size:
            fill = 0.0 if self._norm_probs else _RAW_FLOOR
            return np.full(len(self._classes), fill, dtype=np.float32)
        # Counted like collections.Counter, distinct features in order of first occurrence (the
        # order py3langid sums them in), without sorting: ``first`` ends up holding each
        # feature's first position, and a position is a first occurrence exactly when it reads
        # back itself. (ufunc.at, unlike assignment through repeated indices, has a defined
        # result.)
        first, positions = self._buffers(size)
        positions = positions[:size]
        first[features] = size
        np.minimum.at(first, features, positions)
        at = np.take(first, features)
        # Positions picked once and taken twice: cheaper than two boolean masks.
        leading = np.flatnonzero(at == positions)
        counts = np.take(np.bincount(at, minlength=size), leading)
        index = np.take(features, leading)
        if size < _LOG1P_COUNTS:
            weights = np.take(self._log1p, counts)
        else:
            weights = np.log1p(counts.astype(np.float32))
        return weights @ np.take(self._table, index, axis=0) + self._prior

    def _buffers(self, size: int) -> tuple[Any, Any]:
        """Per thread: a slot per feature (never cleared: only slots just written are read)
        and 0, 1, 2, ... at least ``size`` long."""
        local = self._scratch
        first = getattr(local, "first", None)
        if first is None:
            first = local.first = np.empty(len(self._table), dtype=np.intp)
            local.positions = np.arange(4096, dtype=np.intp)
        positions = local.positions
        if len(positions) < size:
            positions = local.positions = np.arange(max(size, 2 * len(positions)), dtype=np.intp)
        return first, positions


#: Counts below this take their log1p from a table (a count is at most the number of features).
_LOG1P_COUNTS = 1 << 13

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


def _idle_byte(ident: LanguageIdentifier) -> int | None:
    """A byte that leaves the initial state as it is, the state completing no feature (a byte
    no n-gram starts with: UTF-8 never uses 0xFF, for one); None if there is none."""
    start = ident._rowbase[0]
    if ident.tk_output[0] >= 0:
        return None
    idle = [byte for byte in range(256) if ident.tk_nextmove[start + byte] == 0]
    return idle[-1] if idle else None


@functools.cache
def _ranker(languages: frozenset[str] | None) -> FastRanker | None:
    return FastRanker.create(load_identifier(languages))


@functools.cache
def _library(languages: frozenset[str] | None) -> LanguageIdentifier:
    """The identifier itself, for a py3langid whose internals :class:`FastRanker` does not know."""
    return load_identifier(languages)


def primary_subtag(tag: str | None) -> str | None:
    """``ar-QA`` -> ``ar``; anything that is not a language code -> None."""
    if not tag:
        return None
    head = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return head if head.isascii() and head.isalpha() and 2 <= len(head) <= 3 else None


class _Folding:
    """LanguageStage.rank's merge of varieties into macrolanguages, on a vector of scores.

    ``rank`` adds a macrolanguage's varieties up in float64 from 0.0, best first; floating-point
    addition is not associative, so a code's varieties are added here in that same order,
    which gives the same sums bit for bit. Codes are kept in label order here, where ``rank``
    orders ties by first appearance, so callers fall back to ``rank`` when a tie could matter.
    """

    def __init__(self, classes: list[str]) -> None:
        members: dict[str, list[int]] = {}
        for column, label in enumerate(classes):
            columns = members.setdefault(MACROLANGUAGE.get(label, label), [])
            # An aliased label's later columns were folded into its first (and zeroed).
            if label not in {classes[c] for c in columns}:
                columns.append(column)
        self.codes: list[str] = list(members)
        self.index: dict[str, int] = {code: i for i, code in enumerate(self.codes)}
        firsts = [columns[0] for columns in members.values()]
        # itemgetter of one index returns the item itself, not a 1-tuple.
        self._first = itemgetter(*firsts) if len(firsts) > 1 else lambda values: (values[firsts[0]],)
        # 0.0 + a + b is a + b whatever the order; three or more need rank's order.
        self._pairs = [(i, *columns) for i, columns in enumerate(members.values()) if len(columns) == 2]
        self._more = [(i, columns) for i, columns in enumerate(members.values()) if len(columns) > 2]

    def __call__(self, scores: Any) -> list[float]:
        """The sum per code, in ``codes`` order, exactly as ``rank`` adds them up."""
        values: list[float] = scores.tolist()
        merged: list[float] = list(self._first(values))
        for i, a, b in self._pairs:
            merged[i] = values[a] + values[b]
        for i, columns in self._more:
            total = 0.0
            for value in sorted([values[c] for c in columns], reverse=True):
                total += value
            merged[i] = total
        return merged


class LanguageStage:
    name = STAGE
    requires = ("article",)
    provides = "language"
    finishing = False
    model_version = f"py3langid {version('py3langid')}"

    def __init__(self, languages: Iterable[str] | None = None) -> None:
        wanted = frozenset(languages) if languages else None
        self._fast = _ranker(wanted)
        self._rank: Callable[[str], list[tuple[str, float]]] = (
            self._fast.rank if self._fast is not None else _library(wanted).rank
        )
        self._folding = _Folding(self._fast.classes) if self._fast is not None else None
        _word_chars()  # built now rather than in the middle of the first long article

    def process(self, article: Article) -> LanguageTag:
        # The sample is the first SAMPLE_CHARS of title + newline + body; a long body is not copied.
        body = article.body[:SAMPLE_CHARS]
        text = f"{article.title}\n{body}"[:SAMPLE_CHARS] if article.title else body
        sample = clean_for_identification(text)
        hint = primary_subtag(article.lang_hint)
        if not sample:
            # Nothing but links, numbers and symbols: only the producer can know.
            return LanguageTag(code=hint or "und", confidence=0.0, source="hint" if hint else "model")
        decided = self._decide_fast(sample, hint)
        if decided is None:
            decided = self._decide(self.rank(sample), hint)
        return decided

    def _decide(self, ranked: list[tuple[str, float]], hint: str | None) -> LanguageTag:
        best, confidence = ranked[0]
        if hint and hint != best and confidence < HINT_THRESHOLD:
            plausible = hint in {code for code, _ in ranked[:HINT_TOP_K]}
            if plausible or confidence < NO_SIGNAL:
                return LanguageTag(code=hint, confidence=round(confidence, 4), source="hint")
        return LanguageTag(code=best, confidence=round(confidence, 4))

    def _decide_fast(self, sample: str, hint: str | None) -> LanguageTag | None:
        """What :meth:`_decide` makes of ``rank(sample)``, without building and sorting the
        whole ranking; None when a tie makes the ranking's order of equals matter."""
        if self._fast is None or self._folding is None:
            return None
        folding = self._folding
        merged = folding(self._fast.scores(sample))
        confidence = max(merged)
        if merged.count(confidence) > 1:
            return None
        best = folding.codes[merged.index(confidence)]
        if hint and hint != best and confidence < HINT_THRESHOLD:
            if confidence < NO_SIGNAL:
                plausible = True
            else:
                at = folding.index.get(hint)
                if at is None:
                    plausible = False
                else:
                    value = merged[at]
                    ahead = sum(1 for other in merged if other > value)
                    level = merged.count(value)
                    if ahead + level <= HINT_TOP_K:
                        plausible = True
                    elif ahead >= HINT_TOP_K:
                        plausible = False
                    else:
                        return None  # equals around the cut: their order decides
            if plausible:
                return LanguageTag(code=hint, confidence=round(confidence, 4), source="hint")
        return LanguageTag(code=best, confidence=round(confidence, 4))

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(code, probability) best first, varieties folded into their macrolanguage."""
        merged: dict[str, float] = {}
        for label, prob in self._rank(text):
            code = MACROLANGUAGE.get(label, label)
            merged[code] = merged.get(code, 0.0) + float(prob)
        return sorted(merged.items(), key=lambda item: item[1], reverse=True)
