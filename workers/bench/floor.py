"""How fast the non-NLP stages could be in Python: the bookkeeping alone, with no rule at all.

``python -m workers.bench.floor`` prints, per article of the bench corpus on one core, what the
non-NLP stages cost now beside the least any Python version of them must spend: splitting title
and body into words with the ``re`` module (the matcher's own tokens), one memo look-up per
word, and building the spans, mentions and locations the real stage found. Decoding is timed as
``orjson.loads`` alone. The gap between the floor and the 500 µs of the 2 000 articles/s target
says whether any rewrite in Python can reach it.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence

import click
import orjson

from workers.bench import corpus
from workers.bench.run import records_of
from workers.core.records import Article, Location, Place, Span, TextField
from workers.gazetteer import default_gazetteer
from workers.gazetteer.matcher import Mention
from workers.gazetteer.scan import Tokens
from workers.pipeline.language import LanguageStage
from workers.pipeline.locations import FIELDS, LocationStage
from workers.pipeline.runner import Pipeline
from workers.pipeline.validate import Validator

Found = Sequence[tuple[TextField, int, int, Place]]


def mentions_of(locations: Sequence[Location]) -> Found:
    """(field, start, end, place) of every mention of ``locations``, location by location."""
    return [(s.field, s.start, s.end, loc.place) for loc in locations for s in loc.mentions]


def bookkeeping(article: Article, found: Found, token_memo: dict[str, int]) -> tuple[Location, ...]:
    """Tokenise as the matcher does, look every word up once, and group the mentions ``found``
    into locations."""
    for field in FIELDS:
        list(map(token_memo.get, Tokens(article.text_of(field)).texts))
    grouped: dict[int, tuple[Place, list[Span]]] = {}
    for field, start, end, place in found:
        span = Span(article.text_of(field)[start:end], start, end, field)
        mention = Mention(span, (place,))
        grouped.setdefault(place.geonameid, (place, []))[1].append(mention.span)
    return tuple(Location(place, tuple(spans)) for place, spans in grouped.values())


def per_article_us(work: Callable[[], object], articles: int, repeats: int) -> tuple[float, float]:
    """(fastest, median) microseconds per article over ``repeats`` runs of ``work``."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) / articles * 1e6)
    return min(runs), statistics.median(runs)


@click.command()
@click.option("--articles", default=1000, show_default=True, help="Bench-corpus articles to time.")
@click.option("--repeats", default=7, show_default=True, help="Timed runs of each; fastest and median shown.")
def main(articles: int, repeats: int) -> None:
    """Print the non-NLP stages' cost per article beside the Python floor (one core)."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    raw = corpus.generate(articles + 300, seed=2026)[300:]  # the bench's corpus, past the NLP modes' part
    values = [value for _, value in records_of(raw)]
    parsed = [Validator().process(obj) for obj in raw]
    gazetteer = default_gazetteer()
    locations, language = LocationStage(gazetteer), LanguageStage()
    pipeline = Pipeline.default(article_budget_s=0)
    found = [mentions_of(locations.process(a)) for a in parsed]
    pipeline.process_many(values[:64])
    rows: list[tuple[str, Callable[[], object]]] = [
        (
            "all non-NLP stages now",
            lambda: [pipeline.process_many(values[i : i + 64]) for i in range(0, articles, 64)],
        ),
        ("  language stage now", lambda: [language.process(a) for a in parsed]),
        ("  locations stage now", lambda: [locations.process(a) for a in parsed]),
        ("  decode (orjson.loads only)", lambda: [orjson.loads(v) for v in values]),
        (
            "locations floor: bookkeeping, no rules",
            lambda: [
                bookkeeping(a, f, locations.matcher.token_memo) for a, f in zip(parsed, found, strict=True)
            ],
        ),
    ]
    click.echo(f"µs per article on one core ({articles} articles, fastest / median of {repeats} runs)")
    for name, work in rows:
        fastest, median = per_article_us(work, articles, repeats)
        click.echo(f"{name:<42} {fastest:>8,.0f} {median:>8,.0f}")
    mentions = sum(map(len, found)) / articles
    click.echo(
        f"place mentions per article: {mentions:.1f}; the 2 000 articles/s target is 500 µs per article"
    )


if __name__ == "__main__":
    main()
