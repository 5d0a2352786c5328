"""The soak: one worker on a long stream, its memory sampled throughout.

    python -m tests.reliability.soak [--articles 200000] [--ner-articles 3000]   (make soak)

Two runs, each with a fresh worker on fresh topics of one embedded broker: ``--articles``
with NER off, then ``--ner-articles`` with NER on. The input is kept a bounded window ahead of
the outputs (the broker holds everything in memory), every outcome is counted with
confluent-kafka (an independent client), and the worker's resident memory (VmRSS) is read
every second. Each run prints RSS at the start (after the first ``WARM`` articles: models,
gazetteer and first batches loaded), at the middle and at the end, and the slope of a least-
squares line through the second half's samples. A run fails when RSS grows by ``MAX_GROWTH``
or more over its second half (the end against the middle, each the median of the samples
nearest it), or when an article does not come out: memory that grows without bound shows up
as a steady slope long before it runs out, and faust-streaming's trackers report such leaks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, Producer

from tests.conftest import fresh_topics
from workers.bench import corpus
from workers.broker import EmbeddedBroker
from workers.local_worker import LocalWorker, TopicNames

#: Articles published ahead of the outputs: enough to keep the worker busy, little broker memory.
WINDOW = 5_000
#: Articles after which the worker counts as warm (first batches done, caches filling).
WARM = 1_000
#: Growth of RSS over a run's second half at which the soak fails.
MAX_GROWTH = 0.05
#: Samples on each side of a point whose median stands for RSS there.
NEAR = 5


@dataclass
class Sample:
    seconds: float
    done: int
    rss_bytes: int


@dataclass
class Run:
    name: str
    articles: int
    samples: list[Sample] = field(default_factory=list)
    done: int = 0
    seconds: float = 0.0

    @property
    def warm(self) -> int:
        return min(WARM, self.articles // 10)

    def rss_near(self, done: int) -> float:
        """Median RSS of the samples nearest ``done`` outcomes."""
        nearest = sorted(self.samples, key=lambda s: abs(s.done - done))[: 2 * NEAR + 1]
        return statistics.median(s.rss_bytes for s in nearest)

    def second_half(self) -> list[Sample]:
        return [s for s in self.samples if s.done >= self.articles // 2]

    def slope_bytes_per_article(self) -> float:
        half = self.second_half()
        if len(half) < 2 or len({s.done for s in half}) < 2:
            return 0.0
        slope, _ = statistics.linear_regression([s.done for s in half], [s.rss_bytes for s in half])
        return slope

    def growth(self) -> float:
        middle = self.rss_near(self.articles // 2)
        return (self.rss_near(self.articles) - middle) / middle

    def failures(self) -> list[str]:
        found = []
        if self.done < self.articles:
            found.append(f"only {self.done} of {self.articles} articles came out")
        if self.samples and self.growth() >= MAX_GROWTH:
            found.append(f"RSS grew {self.growth():.1%} over the second half (limit {MAX_GROWTH:.0%})")
        return found

    def report(self) -> str:
        mib = 2**20
        if not self.samples:
            return f"{self.name}: no samples"
        return (
            f"{self.name}: {self.done:,} of {self.articles:,} articles in {self.seconds:,.0f} s "
            f"({self.done / max(self.seconds, 1e-9):,.0f}/s), {len(self.samples)} RSS samples\n"
            f"  RSS start {self.rss_near(self.warm) / mib:,.1f} MiB (after {self.warm:,}), "
            f"middle {self.rss_near(self.articles // 2) / mib:,.1f} MiB, "
            f"end {self.rss_near(self.articles) / mib:,.1f} MiB, "
            f"peak {max(s.rss_bytes for s in self.samples) / mib:,.1f} MiB\n"
            f"  second half: growth {self.growth():+.2%}, "
            f"slope {self.slope_bytes_per_article() * 100_000 / mib:+,.2f} MiB per 100,000 articles"
        )


def rss_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Counter:
    """Counts the records on the output and dead-letter topics (each sent article is one)."""

    def __init__(self, bootstrap: str, topics: TopicNames) -> None:
        self.done = 0
        self._stop = threading.Event()
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"soak-count-{topics.group}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        self._consumer.subscribe([topics.output, topics.dlq])
        self._thread = threading.Thread(target=self._run, name="soak-counter", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for msg in self._consumer.consume(num_messages=1000, timeout=0.2):
                if msg.error() is None:
                    self.done += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._consumer.close()


def soak(broker: EmbeddedBroker, workdir: Path, name: str, articles: int, ner: bool, say: Any) -> Run:
    topics = fresh_topics(broker.bootstrap, f"soak-{name}")
    # A pool of generated articles, each sent many times under a new id (generating 200 000
    # would take minutes and prove nothing more).
    pool = [{k: v for k, v in a.items() if k != "id"} for a in corpus.generate(min(articles, 3000))]
    env = {"KHABAR_NER": "true" if ner else "false", "KHABAR_LOG_LEVEL": "WARNING"}
    worker = LocalWorker(broker.bootstrap, topics, workdir / f"{name}.log", env)
    counter = Counter(broker.bootstrap, topics)
    run = Run(name, articles)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20, "acks": "all"})
    try:
        if not worker.wait_ready(300):
            raise RuntimeError(f"worker not ready: {worker.log_text()[-2000:]}")
        started = time.monotonic()
        sent = 0
        next_sample = 0.0
        last_said = 0.0
        # Stalls are the worker's problem to report, not the soak's to wait out forever.
        deadline = started + 120 + articles / (5 if ner else 100)
        while counter.done < articles and time.monotonic() < deadline:
            while sent < articles and sent - counter.done < WINDOW:
                key = f"soak-{name}-{sent:07d}"
                value = orjson.dumps({"id": key, **pool[sent % len(pool)]})
                producer.produce(topics.input, key=key.encode(), value=value)
                sent += 1
                if sent % 1000 == 0:
                    producer.poll(0)
            producer.poll(0)
            now = time.monotonic()
            if now >= next_sample:
                if worker.proc.poll() is not None:
                    raise RuntimeError(f"worker exited {worker.proc.returncode}: {worker.log_text()[-2000:]}")
                run.samples.append(Sample(now - started, counter.done, rss_of(worker.proc.pid)))
                next_sample = now + 1.0
            if now - last_said >= 30:
                rss = run.samples[-1].rss_bytes / 2**20
                say(f"{name}: {counter.done:,} of {articles:,} out, RSS {rss:,.0f} MiB")
                last_said = now
            time.sleep(0.05)
        run.samples.append(Sample(time.monotonic() - started, counter.done, rss_of(worker.proc.pid)))
        run.seconds = time.monotonic() - started
        run.done = counter.done
        producer.flush(30)
    finally:
        counter.close()
        worker.stop(timeout=60)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.reliability.soak",
        description="One worker on a long stream (NER off, then on), RSS sampled each second; "
        f"fails when RSS grows {MAX_GROWTH:.0%} or more over a run's second half or an article is lost.",
    )
    parser.add_argument("--articles", type=int, default=200_000, help="articles of the NER-off run (200000)")
    parser.add_argument(
        "--ner-articles", type=int, default=3_000, help="articles of the NER-on run, 0 for none (3000)"
    )
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="khabar-soak-") as tmp:
        workdir = Path(tmp)
        with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
            plan = [("ner-off", args.articles, False), ("ner-on", args.ner_articles, True)]
            for name, count, ner in plan:
                if count > 0:
                    say(f"{name}: {count:,} articles")
                    runs.append(soak(broker, workdir, name, count, ner, say))
    failed = False
    for run in runs:
        print(run.report())
        for failure in run.failures():
            print(f"  FAILED: {failure}")
            failed = True
    print("soak: FAILED" if failed else "soak: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
