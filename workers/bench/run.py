"""``khabar bench``: one run, one corpus, every figure the issue asks for.

Modes, all on the same generated corpus (the NLP modes on its first ``nlp_articles``):

- (a) raw aiokafka consume -> produce of the same records: the transport bound;
- (b) the worker with enrichment off (pass-through, ``KHABAR_ENRICH=false``);
- (c) the enrichment pipeline in-process, no broker, Stanza included: the NLP bound;
- (d) the full worker, broker -> enrich -> broker; and two workers in one group (the NLP
  modes in a mirrored order, (c) (d) two two (d) (c), so that a drifting machine weighs on all
  of them alike);
- the non-NLP stages alone (decode, validate, language, gazetteer, encode) on one core;
- end-to-end latency p50/p99 at an offered load of half of (d); peak RSS per worker.

Each stream mode gets fresh topics and a backlog, so it measures sustained throughput; each
worker is a separate process started the way production starts it (``khabar worker``).
"""

from __future__ import annotations

import asyncio
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
from workers.bench import corpus as corpus_mod
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


def stream_mode(
    kafka: KafkaSettings,
    cfg: BenchConfig,
    name: str,
    records: Sequence[Record],
    workers: int,
    env: dict[str, str],
    backlog_first: bool,
) -> StreamRun:
    """``workers`` worker processes drain ``records``.

    ``backlog_first``: the records wait in the topic before the workers start, and throughput
    runs from the first to the last output timestamp (fine when outputs flow continuously, as
    in pass-through). Otherwise the workers start first, and once all are ready the records
    are published at once: throughput runs from that moment to the last output, which counts
    the first batch's work too (NLP modes publish in bursts of a batch).
    """
    topics = TopicNames.fresh(name)
    asyncio.run(create_topics(kafka, [topics.input, topics.output, topics.dlq], cfg.partitions))
    if backlog_first:
        asyncio.run(fill(kafka, topics.input, records))
    procs = [start_worker(kafka, topics, cfg.workdir / f"{name}-{i}.log", env) for i in range(workers)]
    try:
        started_ms = 0
        if not backlog_first:
            for p in procs:
                wait_ready(p)
            time.sleep(1.0)  # let a rebalance triggered by the last joiner settle
            started_ms = int(time.time() * 1000)
            asyncio.run(fill(kafka, topics.input, records))
        arrivals = asyncio.run(read_all(kafka, topics.output, len(records), within_s=120 + len(records)))
        rss = [p.peak_rss_bytes() for p in procs]
    finally:
        for p in procs:
            p.stop(timeout=60)
    if len(arrivals) < len(records):
        raise RuntimeError(f"{name}: only {len(arrivals)} of {len(records)} records came out")
    if backlog_first:
        return StreamRun(throughput(arrivals), rss)
    last_ms = max(a.timestamp_ms for a in arrivals)
    return StreamRun(len(arrivals) / ((last_ms - started_ms) / 1000), rss)


def pooled_aps(runs: Sequence[StreamRun], articles: int) -> float:
    """Articles/s over several runs of ``articles`` each: all the articles over all the time."""
    return articles * len(runs) / sum(articles / run.aps for run in runs)


def raw_transport(kafka: KafkaSettings, cfg: BenchConfig, records: Sequence[Record]) -> float:
    topics = TopicNames.fresh("raw")
    asyncio.run(create_topics(kafka, [topics.input, topics.output], cfg.partitions))
    asyncio.run(fill(kafka, topics.input, records))
    asyncio.run(relay(kafka, topics.input, topics.output, len(records), within_s=300))
    arrivals = asyncio.run(read_all(kafka, topics.output, len(records), within_s=120))
    return throughput(arrivals)


def in_process_seconds(
    pipeline: Pipeline, records: Sequence[Record], batch_size: int, observer: StageObserver | None = None
) -> float:
    """Seconds ``pipeline.process_many`` takes over ``records`` in worker-sized batches, after an
    untimed warm-up batch; ``observer`` (if any) sees the stages of the timed run only."""
    values = [value for _, value in records]
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
        elapsed = in_process_seconds(Pipeline.default(), records, batch_size, observe)
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
    articles = corpus_mod.generate(cfg.articles, seed=cfg.seed)
    records = records_of(articles)
    nlp_records = records[: cfg.nlp_articles]
    ner_env = {"KHABAR_NER": "true"}
    result: dict[str, Any] = {}

    say("(a) raw aiokafka consume -> produce")
    result["raw_aiokafka_aps"] = raw_transport(kafka, cfg, records)
    say("(b) worker, pass-through")
    passthrough = stream_mode(kafka, cfg, "passthrough", records, 1, {"KHABAR_ENRICH": "false"}, True)
    result["passthrough_aps"] = passthrough.aps
    say("non-NLP stages in-process, one core")
    result["non_nlp_aps"], result["non_nlp_stage_us"] = non_nlp(records, settings.batch_size)
    # A shared VM's speed drifts by tens of percent within minutes, so the NLP modes run in a
    # mirrored order, (c) (d) two two (d) (c) (the first half of (c)'s articles, then the other),
    # each figure counting all its runs: every mode is centred on the same moment, so a steady
    # drift weighs on all alike and the ratios compare like with like.
    half = len(nlp_records) // 2
    say(f"(c) NLP bound: the pipeline in-process with Stanza, {half} of {len(nlp_records)} articles")
    pipeline = Pipeline.from_settings(settings)  # the worker's settings: same batch size and torch threads
    pipeline.warm_up()
    before = in_process_seconds(pipeline, nlp_records[:half], settings.batch_size)
    say("(d) full worker, run 1 of 2")
    full_runs = [stream_mode(kafka, cfg, "full-1", nlp_records, 1, ner_env, False)]
    say("(d) two full workers in one group, run 1 of 2")
    two_runs = [stream_mode(kafka, cfg, "two-1", nlp_records, 2, ner_env, False)]
    say("(d) two full workers in one group, run 2 of 2")
    two_runs.append(stream_mode(kafka, cfg, "two-2", nlp_records, 2, ner_env, False))
    say("(d) full worker, run 2 of 2")
    full_runs.append(stream_mode(kafka, cfg, "full-2", nlp_records, 1, ner_env, False))
    say(f"(c) NLP bound, the other {len(nlp_records) - half} articles")
    after = in_process_seconds(pipeline, nlp_records[half:], settings.batch_size)
    result["nlp_bound_aps"] = len(nlp_records) / (before + after)
    result["nlp_bound_aps_runs"] = [half / before, (len(nlp_records) - half) / after]
    result["full_worker_aps"] = pooled_aps(full_runs, len(nlp_records))
    result["full_worker_aps_runs"] = [r.aps for r in full_runs]
    result["two_workers_aps"] = pooled_aps(two_runs, len(nlp_records))
    result["two_workers_aps_runs"] = [r.aps for r in two_runs]
    rate = result["full_worker_aps"] / 2
    say(f"latency at half of (d): {rate:.1f} articles/s for {cfg.latency_seconds:.0f}s")
    latencies = latency_at(kafka, cfg, records, rate, ner_env)
    result["latency_p50_s"] = quantile(latencies, 0.50)
    result["latency_p99_s"] = quantile(latencies, 0.99)
    result["latency_offered_aps"] = rate
    result["latency_samples"] = len(latencies)
    runs = [passthrough, *full_runs, *two_runs]
    result["peak_rss_bytes"] = max(rss for run in runs for rss in run.peak_rss_bytes)
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
    """(name, comparison, value, target) for each bound the issue sets."""
    return [
        ("full / NLP bound (d/c)", ">=", result["ratio_full_over_nlp"], 0.85),
        ("pass-through / raw (b/a)", ">=", result["ratio_passthrough_over_raw"], 0.30),
        ("non-NLP articles/s, one core", ">=", result["non_nlp_aps"], 2000.0),
        ("two workers / one", ">=", result["two_workers_over_one"], 1.6),
        ("latency p99 / p50 at half load", "<=", result["ratio_p99_over_p50"], 4.0),
    ]


def passed(check: Check) -> bool:
    _, op, value, target = check
    return value >= target if op == ">=" else value <= target
