"""``Pipeline.process_many``: one tagger call per batch, the same outcomes as one at a time,
and a failing article never takes its batch with it."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from workers.core.records import Article, Entity, LanguageTag, Span
from workers.pipeline.runner import BATCH_TAG_CHARS, DeadLetter, Enriched, Pipeline


class CountingTagger:
    """Tags the first word of each body as PER; explodes on a body containing BOOM."""

    model_version = "counting 1"

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        return self.tag_many([(article, language)])[0]

    def tag_many(self, items: Sequence[tuple[Article, LanguageTag]]) -> list[tuple[Entity, ...]]:
        self.batch_sizes.append(len(items))
        out: list[tuple[Entity, ...]] = []
        for article, _ in items:
            if "BOOM" in article.body:
                raise RuntimeError("tagger crashed")
            word = article.body.split()[0]
            out.append((Entity(Span(word, 0, len(word), "body"), "PER"),))
        return out


def record(i: int, body: str | None = None) -> bytes:
    return orjson.dumps({"id": f"b-{i}", "body": body or f"Ahmed{i} met officials in Doha and Riyadh."})


def test_a_batch_is_tagged_in_one_call_with_the_same_events_as_one_by_one() -> None:
    values = [record(i) for i in range(10)]
    batched_tagger, single_tagger = CountingTagger(), CountingTagger()
    batched = Pipeline.default(tagger=batched_tagger).process_many(values)
    single = [Pipeline.default(tagger=single_tagger).process(v) for v in values]
    assert batched_tagger.batch_sizes == [10]
    assert single_tagger.batch_sizes == [1] * 10
    for one, other in zip(batched, single, strict=True):
        assert isinstance(one, Enriched) and isinstance(other, Enriched)
        strip = {"processing": None}
        assert one.event | strip == other.event | strip
        assert one.event["entities"][0]["text"] == orjson.loads(one.value)["entities"][0]["text"]


def test_one_failing_article_is_dead_lettered_and_the_rest_of_its_batch_enriched() -> None:
    values = [record(0), b"{not json", record(2, "BOOM in Doha."), record(3)]
    tagger = CountingTagger()
    outcomes = Pipeline.default(tagger=tagger).process_many(values)
    kinds = [type(o).__name__ for o in outcomes]
    assert kinds == ["Enriched", "DeadLetter", "DeadLetter", "Enriched"]
    assert isinstance(outcomes[1], DeadLetter) and outcomes[1].reason == "not_json"
    crashed = outcomes[2]
    assert isinstance(crashed, DeadLetter)
    assert (crashed.reason, crashed.stage, crashed.error_type) == ("stage_error", "entities", "RuntimeError")
    assert crashed.article_id == "b-2"
    assert tagger.batch_sizes[0] == 3, "the batch call came first, then each article alone"


def test_long_articles_are_tagged_alone() -> None:
    long_body = "Ahmed long " + "Doha news. " * (BATCH_TAG_CHARS // 10)
    tagger = CountingTagger()
    outcomes = Pipeline.default(tagger=tagger, max_body_chars=10 * BATCH_TAG_CHARS).process_many(
        [record(0), record(1), record(2, long_body), record(3)]
    )
    assert all(isinstance(o, Enriched) for o in outcomes)
    assert tagger.batch_sizes == [2, 1, 1], "a group, then the long article and the last one alone"
