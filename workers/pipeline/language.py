"""Stage 3: which language an article is written in (py3langid, offline).

Short texts (tweets, titles) carry little signal and much noise: handles, links,
hashtags glued in CamelCase, shouting in capitals, emoji. Those are removed or
folded before the model sees the text, and the model only chooses among
languages a news stream can plausibly carry (``KHABAR_LANGUAGES`` narrows it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib.metadata import version

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from workers.records import Article, LanguageTag

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


def clean_for_identification(text: str) -> str:
    """The words of ``text`` without links, handles, '#', CamelCase glue or all-caps shouting."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)).replace("_", " ") + " ", text)
    words = [w.lower() if w.isupper() else w for w in _NOISE.sub(" ", text).split()]
    return " ".join(words)


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
        self._ident = _identifier(frozenset(languages) if languages else None)

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
        for label, prob in self._ident.rank(text):
            code = MACROLANGUAGE.get(label, label)
            merged[code] = merged.get(code, 0.0) + float(prob)
        return sorted(merged.items(), key=lambda item: item[1], reverse=True)
