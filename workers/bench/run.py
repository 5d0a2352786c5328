"""``khabar bench``: one run, one corpus, every figure the issue asks for.

Modes, all on the same generated corpus (the NLP modes on its first ``nlp_articles``):

- (a) raw aiokafka consume -> produce of the same records: the transport bound;
- (b) the worker with enrichment off (pass-through, ``KHABAR_ENRICH=false``);
- (c) the enrichment pipeline in-process, no broker, Stanza included: the NLP bound; beside it
  (c0) the same pipeline and NER models behind Stanza's neural tokenizer instead of the
  project's own (the path before pre-split tokens), on the same articles in the same rounds;
- (d) the full worker, broker -> enrich -> broker; and two workers in one group ((c), (d) and
  two workers take turns on the same articles, round by round: see :func:`paired_nlp_modes`);
- the non-NLP stages alone (decode, validate, language, gazetteer, encode) on one core;
- end-to-end latency p50/p99 at an offered load of half of (d); peak RSS per worker.

Each stream mode gets fresh topics and a backlog, so it measures sustained throughput; each
worker is a separate process started the way production starts it (``khabar worker``).
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from workers import __version__
from workers.bench.kafka import Record, create_topics, fill, read_all, relay, throughput
from workers.local_worker import LocalWorker, TopicNames
from workers.pipeline.runner import Pipeline, StageObserver
from workers.settings import KafkaSettings, WorkerSettings

PARTITIONS = 4
Say = Callable[[str], None]


@dataclass
class BenchConfig:
    articles: int = 3000
    nlp_articles: int = 600
    latency_seconds: float = 30.0
    partitions: int = PARTITIONS
    seed: int = 2026
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="khabar-bench-")))


def records_of(articles: Sequence[dict[str, Any]]) -> list[Record]:
    return [(a["id"].encode(), orjson.dumps(a)) for a in articles]


# -- worker processes ------------------------------------------------------------------------
def start_worker(kafka: KafkaSettings, topics: TopicNames, log: Path, env: dict[str, str]) -> LocalWorker:
    return LocalWorker(kafka.broker, topics, log, {"KHABAR_LOG_LEVEL": "WARNING"} | env)


def wait_ready(worker: LocalWorker, timeout: float = 180) -> None:
    if not worker.wait_ready(timeout):
        raise RuntimeError(f"worker not ready after {timeout:.0f}s: {worker.log_text()[-2000:]}")


# -- the modes -----------------------------------------------------------------------------------
@dataclass
class StreamRun:
    aps: float
    peak_rss_bytes: list[int]


@dataclass
class WorkerGroup:
    """Worker processes of one consumer group, on topics of their own."""

    topics: TopicNames
    workers: list[LocalWorker]
    published: int = 0

    @classmethod
    def start(
        cls,
        kafka: KafkaSettings,
        cfg: BenchConfig,
        name: str,
        size: int,
        env: dict[str, str],
        backlog: Sequence[Record] = (),
    ) -> WorkerGroup:
        """Fresh topics, ``backlog`` published to the input, then ``size`` workers started."""
        topics = TopicNames.fresh(name)
        asyncio.run(create_topics(kafka, [topics.input, topics.output, topics.dlq], cfg.partitions))
        if backlog:
            asyncio.run(fill(kafka, topics.input, backlog))
        logs = [cfg.workdir / f"{name}-{i}.log" for i in range(size)]
        return cls(topics, [start_worker(kafka, topics, log, env) for log in logs], len(backlog))

    def drain(self, kafka: KafkaSettings, chunk: Sequence[Record]) -> float:
        """Seconds from publishing ``chunk`` to the last of its outputs (the group idles before)."""
        started_ms = int(time.time() * 1000)
        asyncio.run(fill(kafka, self.topics.input, chunk))
        self.published += len(chunk)
        arrivals = asyncio.run(read_all(kafka, self.topics.output, self.published, within_s=120 + len(chunk)))
        keys = {key for key, _ in chunk}
        stamps = [a.timestamp_ms for a in arrivals if a.key in keys]
        if len(stamps) < len(chunk):
            raise RuntimeError(f"{self.topics.input}: only {len(stamps)} of {len(chunk)} records came out")
        return (max(stamps) - started_ms) / 1000

    def stop(self) -> list[int]:
        """Stop the workers; their peak RSS."""
        rss = [w.peak_rss_bytes() for w in self.workers]
        for w in self.workers:
            w.stop(timeout=60)
        return rss


def stream_mode(
    kafka: KafkaSettings,
    cfg: BenchConfig,
    name: str,
    records: Sequence[Record],
    workers: int,
    env: dict[str, str],
) -> StreamRun:
    """``workers`` worker processes drain ``records``, which wait in the topic before they start;
    throughput runs from the first to the last output timestamp (outputs flow continuously)."""
    group = WorkerGroup.start(kafka, cfg, name, workers, env, backlog=records)
    try:
        arrivals = asyncio.run(
            read_all(kafka, group.topics.output, len(records), within_s=120 + len(records))
        )
    finally:
        rss = group.stop()
    if len(arrivals) < len(records):
        raise RuntimeError(f"{name}: only {len(arrivals)} of {len(records)} records came out")
    return StreamRun(throughput(arrivals), rss)


#: The NLP modes, as the rounds of :func:`paired_nlp_modes` name them.
NLP_MODES = ("c", "c0", "d", "two")


@dataclass
class PairedRounds:
    """Seconds each NLP mode took per round; a round's articles are the same for every mode."""

    articles: list[int] = field(default_factory=list)
    seconds: dict[str, list[float]] = field(default_factory=lambda: {mode: [] for mode in NLP_MODES})
    peak_rss_bytes: list[int] = field(default_factory=list)

    def aps(self, mode: str) -> float:
        """All the articles over all the time ``mode`` took."""
        return sum(self.articles) / sum(self.seconds[mode])

    def aps_by_round(self, mode: str) -> list[float]:
        return [n / t for n, t in zip(self.articles, self.seconds[mode], strict=True)]


def paired_nlp_modes(
    kafka: KafkaSettings,
    cfg: BenchConfig,
    pipeline: Pipeline,
    records: Sequence[Record],
    batch_size: int,
    env: dict[str, str],
    say: Say,
    neural: Pipeline | None = None,
) -> PairedRounds:
    """(c), (c0), (d) and two workers in rounds: each round's articles go through all in turn.

    This VM's speed drifts by tens of percent within minutes, more than the differences the
    ratios are about, so modes measured minutes apart would compare different machines. A round
    lasts about a minute, every mode in it reads the same articles, and the order is mirrored
    every other round ((c) (d) two, then two (d) (c)) so that no mode always goes first. One
    worker and a group of two stay up throughout, each idle while the others run. A round is
    two batches: two for the single worker, about one for each of the pair.
    """
    one = WorkerGroup.start(kafka, cfg, "full", 1, env)
    two = WorkerGroup.start(kafka, cfg, "two", 2, env)
    rounds = PairedRounds()
    try:
        for worker in [*one.workers, *two.workers]:
            wait_ready(worker)
        time.sleep(1.0)  # let the rebalance the second of the pair triggered settle
        pipeline.process_many([value for _, value in records[:batch_size]])  # warm caches and models
        reference = neural or pipeline
        if neural is not None:
            neural.process_many([value for _, value in records[:batch_size]])
        runs: dict[str, Callable[[Sequence[Record]], float]] = {
            "c": lambda chunk: in_process_seconds(pipeline, chunk, batch_size, warm_up=False),
            "c0": lambda chunk: in_process_seconds(reference, chunk, batch_size, warm_up=False),
            "d": lambda chunk: one.drain(kafka, chunk),
            "two": lambda chunk: two.drain(kafka, chunk),
        }
        size = 2 * batch_size
        chunks = [records[i : i + size] for i in range(0, len(records), size)]
        for r, chunk in enumerate(chunks):
            say(f"(c), (c0), (d), two workers: round {r + 1} of {len(chunks)}, {len(chunk)} articles")
            for mode in NLP_MODES if r % 2 == 0 else NLP_MODES[::-1]:
                rounds.seconds[mode].append(runs[mode](chunk))
            rounds.articles.append(len(chunk))
    finally:
        rounds.peak_rss_bytes = one.stop() + two.stop()
    return rounds


def neural_tokenizer_pipeline(settings: WorkerSettings) -> Pipeline:
    """The worker's pipeline with Stanza's neural tokenizer (``tokenize.pt``) in front of the same
    NER models: what the entities stage cost before the project's tokenizer."""
    from workers.ner.registry import ModelDirs
    from workers.ner.tagger import StanzaEntityTagger

    tagger = StanzaEntityTagger(
        languages=settings.ner_language_list(),
        neural_tokenizer=True,
        models=ModelDirs.from_settings(settings),
    )
    neural = Pipeline.default(
        max_body_chars=settings.max_body_chars,
        tagger=tagger,
        languages=settings.language_list(),
        max_record_bytes=settings.max_record_bytes,
        article_budget_s=settings.article_budget_s,
    )
    neural.warm_up()
    return neural


def raw_transport(kafka: KafkaSettings, cfg: BenchConfig, records: Sequence[Record]) -> float:
    topics = TopicNames.fresh("raw")
    asyncio.run(create_topics(kafka, [topics.input, topics.output], cfg.partitions))
    asyncio.run(fill(kafka, topics.input, records))
    asyncio.run(relay(kafka, topics.input, topics.output, len(records), within_s=300))
    arrivals = asyncio.run(read_all(kafka, topics.output, len(records), within_s=120))
    return throughput(arrivals)


def in_process_seconds(
    pipeline: Pipeline,
    records: Sequence[Record],
    batch_size: int,
    observer: StageObserver | None = None,
    *,
    warm_up: bool = True,
) -> float:
    """Seconds ``pipeline.process_many`` takes over ``records`` in worker-sized batches, after an
    untimed warm-up batch (unless ``warm_up`` is off); ``observer`` (if any) sees the stages of
    the timed run only."""
    values = [value for _, value in records]
    if warm_up:
        pipeline.process_many(values[:batch_size])  # warm caches and lazily built models
    if observer is not None:
        pipeline.observer = observer
    started = time.perf_counter()
    for i in range(0, len(values), batch_size):
        pipeline.process_many(values[i : i + batch_size])
    return time.perf_counter() - started


def non_nlp(records: Sequence[Record], batch_size: int) -> tuple[float, dict[str, float]]:
    """Articles/s of the stages without NER, pinned to one core, and the microseconds per
    article each stage took (where the time goes, for whoever makes it faster)."""
    spent: dict[str, float] = {}

    def observe(stage: str, seconds: float) -> None:
        spent[stage] = spent.get(stage, 0.0) + seconds

    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(affinity)})
    try:
        pipeline = Pipeline.default()
        gc.freeze()  # as the worker does once its pipeline is loaded
        elapsed = in_process_seconds(pipeline, records, batch_size, observe)
    finally:
        os.sched_setaffinity(0, affinity)
    per_article_us = {stage: round(seconds / len(records) * 1e6, 1) for stage, seconds in spent.items()}
    return len(records) / elapsed, per_article_us


def latency_at(
    kafka: KafkaSettings, cfg: BenchConfig, records: Sequence[Record], rate: float, env: dict[str, str]
) -> list[float]:
    """End-to-end seconds per article with one worker fed at ``rate`` articles/s."""
    topics = TopicNames.fresh("latency")
    asyncio.run(create_topics(kafka, [topics.input, topics.output, topics.dlq], cfg.partitions))
    worker = start_worker(kafka, topics, cfg.workdir / "latency.log", env)
    try:
        wait_ready(worker)
        count = min(len(records), max(20, int(rate * cfg.latency_seconds)))
        sent = records[:count]
        asyncio.run(fill(kafka, topics.input, sent, rate=rate))
        outputs = asyncio.run(read_all(kafka, topics.output, count, within_s=120 + count / max(rate, 1)))
        inputs = asyncio.run(read_all(kafka, topics.input, count, within_s=60))
    finally:
        worker.stop(timeout=60)
    sent_at = {a.key: a.timestamp_ms for a in inputs}
    return [(a.timestamp_ms - sent_at[a.key]) / 1000 for a in outputs if a.key in sent_at]


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# -- the run -------------------------------------------------------------------------------------
def run(kafka: KafkaSettings, cfg: BenchConfig, say: Say) -> dict[str, Any]:
    settings = WorkerSettings()
    say(f"generating {cfg.articles} articles (seed {cfg.seed})")
    # The corpus generator builds on the NER templates, training code the worker never loads.
    from workers.bench import corpus as corpus_mod

    articles = corpus_mod.generate(cfg.articles, seed=cfg.seed)
    records = records_of(articles)
    nlp_records = records[: cfg.nlp_articles]
    ner_env = {"KHABAR_NER": "true"}
    result: dict[str, Any] = {}

    say("(a) raw aiokafka consume -> produce")
    result["raw_aiokafka_aps"] = raw_transport(kafka, cfg, records)
    say("(b) worker, pass-through")
    passthrough = stream_mode(kafka, cfg, "passthrough", records, 1, {"KHABAR_ENRICH": "false"})
    result["passthrough_aps"] = passthrough.aps
    say("non-NLP stages in-process, one core")
    result["non_nlp_aps"], result["non_nlp_stage_us"] = non_nlp(records, settings.batch_size)
    pipeline = Pipeline.from_settings(settings)  # the worker's settings: same batch size and torch threads
    pipeline.warm_up()
    neural = neural_tokenizer_pipeline(settings)
    nlp = paired_nlp_modes(kafka, cfg, pipeline, nlp_records, settings.batch_size, ner_env, say, neural)
    result["nlp_bound_aps"] = nlp.aps("c")
    result["nlp_neural_tokenizer_aps"] = nlp.aps("c0")
    result["nlp_speedup_over_neural_tokenizer"] = result["nlp_bound_aps"] / result["nlp_neural_tokenizer_aps"]
    result["full_worker_aps"] = nlp.aps("d")
    result["two_workers_aps"] = nlp.aps("two")
    result["nlp_rounds"] = {
        "articles": nlp.articles,
        "nlp_bound_aps": nlp.aps_by_round("c"),
        "nlp_neural_tokenizer_aps": nlp.aps_by_round("c0"),
        "full_worker_aps": nlp.aps_by_round("d"),
        "two_workers_aps": nlp.aps_by_round("two"),
    }
    rate = result["full_worker_aps"] / 2
    say(f"latency at half of (d): {rate:.1f} articles/s for {cfg.latency_seconds:.0f}s")
    latencies = latency_at(kafka, cfg, records, rate, ner_env)
    result["latency_p50_s"] = quantile(latencies, 0.50)
    result["latency_p99_s"] = quantile(latencies, 0.99)
    result["latency_offered_aps"] = rate
    result["latency_samples"] = len(latencies)
    result["peak_rss_bytes"] = max([*passthrough.peak_rss_bytes, *nlp.peak_rss_bytes])
    result["ratio_full_over_nlp"] = result["full_worker_aps"] / result["nlp_bound_aps"]
    result["ratio_passthrough_over_raw"] = result["passthrough_aps"] / result["raw_aiokafka_aps"]
    result["two_workers_over_one"] = result["two_workers_aps"] / result["full_worker_aps"]
    result["ratio_p99_over_p50"] = result["latency_p99_s"] / result["latency_p50_s"]
    result["machine"] = machine()
    result["corpus"] = {
        "articles": len(articles),
        "nlp_articles": len(nlp_records),
        "languages": sorted({a.get("lang", "?") for a in articles} - {"?"}),
        "mean_words": round(statistics.mean(len(a["body"].split()) for a in articles), 1),
        "mean_chars": round(statistics.mean(len(a["body"]) for a in articles), 1),
        "seed": cfg.seed,
    }
    result["settings"] = {
        "batch_size": settings.batch_size,
        "partitions": cfg.partitions,
        "broker": kafka.broker,
    }
    result["version"] = __version__
    return result


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        mem = int(meminfo.read_text().split()[1]) * 1024
    return {
        "cpu": model or platform.processor(),
        "cores": len(os.sched_getaffinity(0)),
        "memory_bytes": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


Check = tuple[str, str, float, float]


def checks(result: dict[str, Any]) -> list[Check]:
    """(name, comparison, value, target) for each bound the performance issue sets."""
    return [
        ("full / NLP bound (d/c)", ">=", result["ratio_full_over_nlp"], 0.95),
        ("NLP bound / neural tokenizer (c/c0)", ">=", result["nlp_speedup_over_neural_tokenizer"], 2.0),
        ("pass-through / raw (b/a)", ">=", result["ratio_passthrough_over_raw"], 0.5),
        ("non-NLP articles/s, one core", ">=", result["non_nlp_aps"], 2000.0),
        ("peak RSS per worker, MiB", "<=", result["peak_rss_bytes"] / 2**20, 600.0),
        ("two workers / one", ">=", result["two_workers_over_one"], 1.6),
        ("latency p99 / p50 at half load", "<=", result["ratio_p99_over_p50"], 4.0),
    ]


def passed(check: Check) -> bool:
    _, op, value, target = check
    return value >= target if op == ">=" else value <= target
