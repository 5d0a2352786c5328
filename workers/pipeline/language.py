"""Stage 3: which language an article is written in (py3langid, offline)."""

from __future__ import annotations

import functools
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
    "hbo": "he",
    "sdh": "ku",
    "ltg": "lv",
    "gug": "gn",
    "zxx": "und",  # "no linguistic content"
}


@functools.cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


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

    def __init__(self) -> None:
        self._ident = _identifier()

    def __call__(self, article: Article) -> LanguageTag:
        text = f"{article.title}\n{article.body}" if article.title else article.body
        ranked = self.rank(text[:SAMPLE_CHARS])
        best, confidence = ranked[0]
        hint = primary_subtag(article.lang_hint)
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
