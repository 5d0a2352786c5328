"""The benchmark's arithmetic and corpus (the run itself needs a broker: `khabar bench`)."""

from __future__ import annotations

from typing import Any

from workers.bench.cli import report
from workers.bench.corpus import generate
from workers.bench.floor import bookkeeping, mentions_of
from workers.bench.kafka import Arrival, throughput
from workers.bench.run import PairedRounds, checks, passed, quantile
from workers.contract import RAW_ARTICLE, validator
from workers.gazetteer import default_gazetteer
from workers.pipeline.locations import LocationStage
from workers.pipeline.validate import Validator


def test_corpus_is_reproducible_bilingual_news_sized_and_valid() -> None:
    first, again = generate(40, seed=3), generate(40, seed=3)
    assert first == again
    assert generate(40, seed=4) != first
    langs = [a.get("lang") for a in first]
    assert {"ar", "en"} <= set(langs)
    words = [len(a["body"].split()) for a in first]
    assert min(words) >= 250 and sum(words) / len(words) < 500
    check = validator(RAW_ARTICLE)
    assert all(not list(check.iter_errors(a)) for a in first)
    assert len({a["id"] for a in first}) == 40


def test_throughput_runs_from_first_to_last_output() -> None:
    arrivals = [Arrival(b"k", t) for t in (1000, 1500, 2000, 3000)]
    assert throughput(arrivals) == 3 / 2.0
    assert throughput(arrivals[:1]) == 0.0


def test_quantiles_and_targets() -> None:
    assert quantile([0.1] * 99 + [9.0], 0.5) == 0.1
    assert quantile([0.1] * 98 + [9.0, 9.0], 0.99) == 9.0
    result: dict[str, Any] = {
        "raw_aiokafka_aps": 10000.0,
        "passthrough_aps": 2500.0,
        "nlp_bound_aps": 6.0,
        "nlp_neural_tokenizer_aps": 3.0,
        "nlp_speedup_over_neural_tokenizer": 2.0,
        "nlp_rounds": {
            "articles": [128, 72],
            "nlp_bound_aps": [6.5, 5.6],
            "nlp_neural_tokenizer_aps": [3.1, 2.9],
            "full_worker_aps": [5.5, 5.3],
            "two_workers_aps": [9.1, 8.9],
        },
        "full_worker_aps": 5.4,
        "two_workers_aps": 9.0,
        "non_nlp_aps": 1900.0,
        "non_nlp_stage_us": {"decode": 20.0, "language": 310.4, "locations": 1204.6},
        "ratio_full_over_nlp": 0.9,
        "ratio_passthrough_over_raw": 0.25,
        "two_workers_over_one": 1.67,
        "ratio_p99_over_p50": 2.0,
        "latency_offered_aps": 2.7,
        "latency_p50_s": 0.2,
        "latency_p99_s": 0.4,
        "latency_samples": 81,
        "peak_rss_bytes": 400 * 2**20,
        "machine": {"cpu": "cpu", "cores": 2, "memory_bytes": 2**34, "python": "3.11"},
        "corpus": {
            "articles": 10,
            "nlp_articles": 5,
            "languages": ["ar", "en"],
            "mean_words": 1,
            "mean_chars": 2,
            "seed": 1,
        },
    }
    outcome = {name: passed((name, op, value, target)) for name, op, value, target in checks(result)}
    assert outcome == {
        "full / NLP bound (d/c)": False,
        "NLP bound / neural tokenizer (c/c0)": True,
        "pass-through / raw (b/a)": False,
        "non-NLP articles/s, one core": False,
        "peak RSS per worker, MiB": True,
        "two workers / one": True,
        "latency p99 / p50 at half load": True,
    }
    text = report(result)
    assert "MISSED" in text and "10,000" in text and "peak RSS per worker: 400 MiB" in text
    assert "non-NLP µs per article: decode 20, language 310, locations 1,205" in text
    assert (
        "round's 128/72 articles through (c), (c0), (d) and two workers in turn): (c) 6.5 / 5.6, "
        "(c0) 3.1 / 2.9, (d) 5.5 / 5.3" in text
    )
    assert "(c0) same, Stanza's neural tokenizer" in text and "3.0" in text


def test_paired_rounds_pool_all_articles_over_all_the_time() -> None:
    rounds = PairedRounds(
        articles=[100, 50],
        seconds={"c": [10.0, 20.0], "c0": [20.0, 40.0], "d": [20.0, 5.0], "two": [5.0, 5.0]},
    )
    # 100 articles in 10 s, then 50 in 20 s: 150 in 30 s, not the mean of the two rates.
    assert rounds.aps("c") == 150 / 30
    assert rounds.aps_by_round("d") == [5.0, 10.0]
    assert rounds.aps("two") == 15.0


def test_floor_bookkeeping_builds_the_locations_the_stage_found() -> None:
    gazetteer = default_gazetteer()
    stage = LocationStage(gazetteer)
    for raw in generate(6, seed=5):
        article = Validator().process(raw)
        real = stage.process(article)
        assert real and bookkeeping(article, mentions_of(real), stage.matcher.token_memo) == real
