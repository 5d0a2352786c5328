"""The benchmark corpus: news-shaped articles in Arabic and English, a few hundred words each.

Sentences come from the same generator as the starter models' training data (sentence shapes
with people, organisations and gazetteer places), so every article names real places and
people; paragraphs, titles and metadata make them look like wire copy. Seeded: the same
arguments give the same corpus on every machine.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from workers.ner.training_data import Generator

LANGS = ("ar", "en")
POOL = 3000


def generate(
    count: int, seed: int = 2026, min_words: int = 250, max_words: int = 450
) -> list[dict[str, Any]]:
    """``count`` raw articles (``raw_article.v1``), alternating Arabic and English."""
    rng = random.Random(f"khabar-bench-{seed}")  # noqa: S311 (reproducible data, not secrecy)
    # A pool of sentences per language, drawn from without replacement per article: generating
    # every sentence afresh would make a 3000-article corpus take minutes.
    pools = {lang: [s.text() for s in Generator(lang, seed).sentences(POOL)] for lang in LANGS}  # type: ignore[arg-type]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    articles = []
    for i in range(count):
        lang = LANGS[i % len(LANGS)]
        pool = pools[lang]
        target = rng.randint(min_words, max_words)
        paragraphs: list[str] = []
        sentences: list[str] = []
        words = 0
        while words < target:
            text = rng.choice(pool)
            sentences.append(text)
            words += len(text.split())
            if len(sentences) == rng.randint(2, 5):
                paragraphs.append(" ".join(sentences))
                sentences = []
        if sentences:
            paragraphs.append(" ".join(sentences))
        article: dict[str, Any] = {
            "id": f"bench-{i:06d}",
            "title": rng.choice(pool),
            "body": "\n\n".join(paragraphs),
            "source": "khabar-bench",
            "url": f"https://news.example/{lang}/{i}",
            "published_at": (start + timedelta(minutes=7 * i)).isoformat().replace("+00:00", "Z"),
        }
        if rng.random() < 0.7:  # most feeds say their language; some do not
            article["lang"] = lang
        articles.append(article)
    return articles
