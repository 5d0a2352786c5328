"""The chaos suite: each scenario plays one fault against real worker processes on a real
(embedded) broker, then accounts for every article that entered the input topic.

    python -m tests.reliability.chaos [--articles 3000] [--scenario NAME ...]   (make chaos)

prints a table: scenario, sent, enriched, dead-lettered, lost, duplicated, time to recover.
``tests/reliability/test_chaos.py`` runs the same scenarios with a few hundred articles in CI.

Accounting is per record key (every record sent has a unique key, except the deliberate
duplicate-id pair): an outcome is a record with that key on the enriched or the dead-letter
topic, read back with confluent-kafka, an independent client. lost = sent but never came out;
duplicated = came out more often than sent (at-least-once allows it after a crash).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from tests.articles import Record, good_articles
from tests.conftest import Topics, WorkerProcess, start_worker, stop_worker
from workers.broker import EmbeddedBroker, free_port
from workers.settings import WorkerSettings
from workers.stream import exits

PARTITIONS = 4
#: Faster than production defaults so that faults resolve in seconds, not minutes.
BASE_ENV = {"KHABAR_NER": "false", "KHABAR_LAG_INTERVAL_S": "1", "KHABAR_PUBLISH_TIMEOUT_S": "120"}


@dataclass
class Row:
    scenario: str
    sent: int
    enriched: int
    dead_lettered: int
    lost: int
    duplicated: int
    recover_s: float | None
    note: str = ""
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and not self.failures


@dataclass
class Outcome:
    topic: str  # "enriched" or "dlq"
    at: float  # time.monotonic() when read
    reason: str | None


class Collector:
    """Reads the enriched and dead-letter topics from the start, in a background thread."""

    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self._names = {topics.output: "enriched", topics.dlq: "dlq"}
        self._consumer = Consumer(
            {"bootstrap.servers": bootstrap, "group.id": f"chaos-reader-{uuid.uuid4().hex[:6]}"}
            | {"enable.auto.commit": False, "socket.timeout.ms": 5000}
        )
        self._consumer.assign([TopicPartition(t, p, 0) for t in self._names for p in range(PARTITIONS)])
        self.outcomes: dict[bytes, list[Outcome]] = defaultdict(list)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            msg = self._consumer.poll(0.2)
            if msg is None or msg.error() is not None:
                continue
            headers = cast("list[tuple[str, bytes]]", msg.headers() or [])
            reason = next((v for k, v in headers if k == "khabar-reason"), None)
            topic = self._names[str(msg.topic())]
            with self._lock:
                self.outcomes[msg.key() or b""].append(
                    Outcome(topic, time.monotonic(), reason.decode() if isinstance(reason, bytes) else None)
                )
        self._consumer.close()

    def snapshot(self) -> dict[bytes, list[Outcome]]:
        with self._lock:
            return {k: list(v) for k, v in self.outcomes.items()}

    def done_count(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


class Rig:
    """One scenario's world: its own broker, topics, workers, and the accounting."""

    def __init__(self, workdir: Path, broker: EmbeddedBroker) -> None:
        self.workdir = workdir
        self.broker = broker
        self.topics = Topics.fresh("chaos")
        self.sent: Counter[bytes] = Counter()
        self.partition_of: dict[bytes, int] = {}
        self.workers: list[WorkerProcess] = []
        self.collector: Collector | None = None

    def create_topics(self) -> None:
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        new = [NewTopic(t, num_partitions=PARTITIONS, replication_factor=1) for t in self._topic_names()]
        for fut in admin.create_topics(new).values():
            fut.result(timeout=30)
        self.collector = Collector(self.broker.bootstrap, self.topics)

    def _topic_names(self) -> list[str]:
        return [self.topics.input, self.topics.output, self.topics.dlq]

    def publish(self, records: list[Record]) -> None:
        producer = Producer({"bootstrap.servers": self.broker.bootstrap, "acks": "all", "linger.ms": 5})

        def delivered(err: Any, msg: Any) -> None:
            if err is not None:
                raise RuntimeError(f"publish failed: {err}")
            self.partition_of[msg.key()] = msg.partition()

        for key, value in records:
            assert key is not None, "every chaos record is keyed, for the accounting"
            producer.produce(self.topics.input, key=key, value=value, on_delivery=delivered)
            self.sent[key] += 1
            producer.poll(0)
        assert producer.flush(60) == 0, "records left unpublished"

    def start_worker(self, name: str, **env: str) -> WorkerProcess:
        worker = start_worker(self.broker, self.topics, self.workdir / f"{name}.log", **(BASE_ENV | env))
        self.workers.append(worker)
        return worker

    def outcomes(self) -> dict[bytes, list[Outcome]]:
        assert self.collector is not None
        return self.collector.snapshot()

    def wait_for_outcomes(self, count: int, timeout: float) -> bool:
        """Until ``count`` distinct keys came out (True) or ``timeout`` passed (False)."""
        assert self.collector is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.collector.done_count() >= count:
                return True
            time.sleep(0.1)
        return False

    def all_out(self) -> bool:
        return self.collector is not None and self.collector.done_count() >= len(self.sent)

    def wait_all(self, timeout: float) -> bool:
        return self.wait_for_outcomes(len(self.sent), timeout)

    def pending_partitions(self) -> set[int]:
        done = self.outcomes()
        return {self.partition_of[k] for k in self.sent if k not in done}

    def recovery_after(self, fault_at: float, partitions: set[int]) -> float | None:
        """Seconds from the fault until every partition that still had work produced an outcome."""
        firsts: dict[int, float] = {}
        for key, outs in self.outcomes().items():
            p = self.partition_of.get(key)
            if p not in partitions:
                continue
            after = [o.at for o in outs if o.at > fault_at]
            if after and (p not in firsts or min(after) < firsts[p]):
                firsts[p] = min(after)
        if set(firsts) != partitions:
            return None
        return max(firsts.values()) - fault_at if firsts else 0.0

    def row(self, scenario: str, recover_s: float | None, note: str = "", linger: float = 2.0) -> Row:
        time.sleep(linger)  # let late duplicates arrive before counting
        outs = self.outcomes()
        enriched = sum(1 for o in outs.values() for x in o if x.topic == "enriched")
        dead = sum(1 for o in outs.values() for x in o if x.topic == "dlq")
        lost = sum(max(0, n - len(outs.get(k, []))) for k, n in self.sent.items())
        duplicated = sum(max(0, len(v) - self.sent.get(k, 0)) for k, v in outs.items())
        return Row(scenario, sum(self.sent.values()), enriched, dead, lost, duplicated, recover_s, note)

    def close(self) -> None:
        for w in self.workers:
            if w.proc.poll() is None:
                w.proc.kill()
                w.proc.wait()
        if self.collector is not None:
            self.collector.close()


@contextmanager
def rig(workdir: Path, start_broker: bool = True, port: int | None = None) -> Iterator[Rig]:
    broker = EmbeddedBroker(port=port, log_path=workdir / "tansu.log")
    if start_broker:
        broker.start()
    the_rig = Rig(workdir, broker)
    try:
        if start_broker:
            the_rig.create_topics()
        yield the_rig
    finally:
        the_rig.close()
        broker.stop()


def supervise(rig: Rig, worker: WorkerProcess, name: str, until: Callable[[], bool], timeout: float) -> int:
    """Restart ``worker`` whenever it exits non-zero (as systemd or Kubernetes would), until
    ``until()`` holds; returns how many restarts it took."""
    restarts = 0
    deadline = time.monotonic() + timeout
    current = worker
    while time.monotonic() < deadline and not until():
        code = current.proc.poll()
        if code is not None and code != 0:
            restarts += 1
            current = rig.start_worker(f"{name}-restart{restarts}")
        time.sleep(0.2)
    return restarts


# -- the scenarios --------------------------------------------------------------------------------
def scenario_baseline(rig: Rig, n: int) -> Row:
    rig.publish(good_articles(n, "base"))
    worker = rig.start_worker("w")
    complete = rig.wait_all(timeout=60 + n / 50)
    row = rig.row("baseline", None, "one worker, no fault")
    if not complete:
        row.failures.append("not every article came out")
    if stop_worker(worker) != 0:
        row.failures.append("worker did not exit 0 on SIGTERM")
    return row


def bad_records(max_body_chars: int) -> list[tuple[str, bytes, bytes | None, str | None]]:
    """(kind, record key, record value, dead-letter reason or None when it must be enriched).
    A valid article's id is its record key: enriched events are keyed by article id."""

    def article(key: str, **fields: Any) -> tuple[bytes, bytes]:
        return key.encode(), orjson.dumps({"id": key, "body": "Talks in Doha and Riyadh."} | fields)

    nested = b'{"id": "deep", "body": "x", "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    return [
        ("not JSON", b"bad-json", b"{not json", "not_json"),
        ("invalid UTF-8", b"bad-utf8", b'{"id": "u", "body": "\xff\xfe Doha"}', "invalid_utf8"),
        ("JSON array", b"bad-array", b"[1, 2, 3]", "not_an_object"),
        ("JSON string", b"bad-string", b'"just a string"', "not_an_object"),
        ("tombstone", b"bad-tombstone", None, "not_json"),
        ("id is a number", b"bad-id-type", orjson.dumps({"id": 7, "body": "Doha"}), "schema_violation"),
        ("body is a list", b"bad-body-type", orjson.dumps({"id": "l", "body": ["Doha"]}), "schema_violation"),
        ("missing body", b"bad-no-body", orjson.dumps({"id": "m", "title": "Doha"}), "schema_violation"),
        ("missing id", b"bad-no-id", orjson.dumps({"body": "Doha"}), "schema_violation"),
        ("empty id", b"bad-empty-id", orjson.dumps({"id": "", "body": "Doha"}), "schema_violation"),
        ("whitespace body", *article("bad-blank", body=" \n\t "), "empty_body"),
        (
            "body over the cap",
            *article("bad-huge", body="Doha " * (max_body_chars // 5 + 10)),
            "body_too_large",
        ),
        ("deeply nested JSON", b"bad-nested", nested, "not_json"),
        ("record over the byte cap", *article("bad-record", padding="x" * RECORD_CAP), "record_too_large"),
        ("title over 2000 characters", *article("bad-title", title="Doha " * 500), "schema_violation"),
        (
            "NUL and control characters",
            *article("ok-control", body="Talks\x00 in\x07 Doha\x1b and Riyadh."),
            None,
        ),
        (
            "unexpected scripts",
            *article("ok-scripts", body="Переговоры в Дохе. 多哈会谈。 दोहा 🕊️ \u202eDoha"),
            None,
        ),
        ("duplicate id", *article("ok-dup"), None),
        ("duplicate id, again", *article("ok-dup"), None),
    ]


RECORD_CAP = 100_000


def scenario_bad_input(rig: Rig, n: int) -> Row:
    max_body = 5000
    good = good_articles(n, "good")
    kinds = bad_records(max_body)
    mixed: list[Record] = []
    expected: dict[bytes, tuple[str, str | None]] = {}
    step = max(1, len(good) // (len(kinds) + 1))
    for i, record in enumerate(good):
        mixed.append(record)
        if i % step == 0 and i // step < len(kinds):
            kind, key, value, reason = kinds[i // step]
            mixed.append((key, value))
            expected[key] = (kind, reason)
    rig.publish(mixed)
    worker = rig.start_worker(
        "w", KHABAR_MAX_BODY_CHARS=str(max_body), KHABAR_MAX_RECORD_BYTES=str(RECORD_CAP)
    )
    complete = rig.wait_all(timeout=60 + n / 50)
    row = rig.row("bad-input", None, f"{len(kinds)} bad kinds among {n} good")
    if not complete:
        row.failures.append("not every record came out")
    outs = rig.outcomes()
    for key, (kind, reason) in expected.items():
        got = outs.get(key, [])
        wanted = "enriched" if reason is None else "dlq"
        if len(got) != rig.sent[key] or any(o.topic != wanted or o.reason != reason for o in got):
            seen = [(o.topic, o.reason) for o in got]
            row.failures.append(f"{kind}: expected {rig.sent[key]} x {wanted} {reason or ''}, got {seen}")
    state = worker.readyz()
    if state is None or state[0] != 200:
        row.failures.append(f"worker not serving afterwards: {state}")
    if stop_worker(worker) != 0:
        row.failures.append("worker did not exit 0 on SIGTERM")
    return row


#: The worker's batch size (the chaos suite runs it with the default).
BATCH_SIZE = WorkerSettings.model_fields["batch_size"].default


def bound_duplicates(row: Row) -> None:
    """A kill may re-process only the batches in flight: each batch's offsets are committed as
    soon as its outputs are acknowledged (workers.stream.agent), so at most the batch being
    published and the one whose commit was on its way come out twice."""
    if row.duplicated > 2 * BATCH_SIZE:
        row.failures.append(f"{row.duplicated} duplicates, more than 2 batches of {BATCH_SIZE}")


def scenario_sigkill_restart(rig: Rig, n: int) -> Row:
    rig.publish(good_articles(n, "kill"))
    worker = rig.start_worker("w1")
    rig.wait_for_outcomes(n // 3, timeout=60 + n / 50)
    pending = rig.pending_partitions()
    fault_at = time.monotonic()
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait()
    restarted = rig.start_worker("w2")
    complete = rig.wait_all(timeout=90 + n / 50)
    row = rig.row("sigkill-restart", rig.recovery_after(fault_at, pending), "kill -9 at 1/3, restart")
    bound_duplicates(row)
    if not complete:
        row.failures.append("not every article came out after the restart")
    if stop_worker(restarted) != 0:
        row.failures.append("restarted worker did not exit 0 on SIGTERM")
    return row


def scenario_group_failover(rig: Rig, n: int) -> Row:
    rig.publish(good_articles(n, "fail"))
    first, second = rig.start_worker("w1"), rig.start_worker("w2")
    if not (first.wait_ready() and second.wait_ready()):
        row = rig.row("group-failover", None)
        row.failures.append("the two workers never were both ready")
        return row
    rig.wait_for_outcomes(n // 3, timeout=60 + n / 50)
    pending = rig.pending_partitions()
    fault_at = time.monotonic()
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    complete = rig.wait_all(timeout=90 + n / 50)
    row = rig.row("group-failover", rig.recovery_after(fault_at, pending), "2 workers, kill -9 one at 1/3")
    bound_duplicates(row)
    if not complete:
        row.failures.append("the surviving worker did not finish every article")
    if stop_worker(second) != 0:
        row.failures.append("surviving worker did not exit 0 on SIGTERM")
    return row


def scenario_sigterm_backlog(rig: Rig, n: int, deadline_s: float = 30) -> Row:
    # NER on: batches take real time, so SIGTERM lands in the middle of one.
    env = {"KHABAR_NER": "true", "KHABAR_SHUTDOWN_TIMEOUT_S": str(deadline_s)}
    rig.publish(good_articles(n, "term"))
    worker = rig.start_worker("w1", **env)
    rig.wait_for_outcomes(n // 4, timeout=120 + n / 10)
    pending = rig.pending_partitions()
    fault_at = time.monotonic()
    worker.proc.send_signal(signal.SIGTERM)
    try:
        code: int | None = worker.proc.wait(timeout=deadline_s + 10)
    except subprocess.TimeoutExpired:
        code = None
    took = time.monotonic() - fault_at
    restarted = rig.start_worker("w2", **env)
    complete = rig.wait_all(timeout=120 + n / 10)
    row = rig.row(
        "sigterm-backlog", rig.recovery_after(fault_at, pending), f"exit {code} after {took:.1f}s, restart"
    )
    if code != 0:
        row.failures.append(f"SIGTERM exit code {code}, expected 0")
    if took > deadline_s:
        row.failures.append(f"shutdown took {took:.1f}s, deadline {deadline_s}s")
    if not complete:
        row.failures.append("not every article came out after the restart")
    if stop_worker(restarted) != 0:
        row.failures.append("restarted worker did not exit 0 on SIGTERM")
    return row


SECRET = "chaos-secret-never-logged"


def scenario_broker_late(rig: Rig, n: int) -> Row:
    """The broker is down when the worker starts: it must wait (alive, not ready), not crash-loop."""
    worker = rig.start_worker(
        "w", KHABAR_SASL_USERNAME="khabar", KHABAR_SASL_PASSWORD=SECRET, KHABAR_SECURITY_PROTOCOL="PLAINTEXT"
    )
    failures: list[str] = []
    deadline = time.monotonic() + 90
    state = worker.readyz()
    while time.monotonic() < deadline and "unreachable (attempt 2)" not in worker.log_text():
        time.sleep(0.3)
        state = worker.readyz()
    if worker.proc.poll() is not None:
        failures.append(f"worker exited {worker.proc.returncode} while the broker was down")
    if state is None or state[0] != 503 or state[1]["checks"]["broker"]["ok"]:
        failures.append(f"worker should be alive and not ready while the broker is down: {state}")
    broker_up_at = time.monotonic()
    rig.broker.start()
    rig.create_topics()
    rig.publish(good_articles(n, "late"))
    complete = rig.wait_all(timeout=90 + n / 50)
    first = min((o.at for outs in rig.outcomes().values() for o in outs), default=None)
    row = rig.row(
        "broker-late", None if first is None else first - broker_up_at, "broker starts after worker"
    )
    row.failures += failures
    if not complete:
        row.failures.append("not every article came out once the broker was up")
    if stop_worker(worker) != 0:
        row.failures.append("worker did not exit 0 on SIGTERM")
    if SECRET in worker.log_text():
        row.failures.append("the SASL password appeared in the worker's log")
    return row


def scenario_broker_outage(rig: Rig, n: int, pause_s: float, publish_timeout_s: float) -> Row:
    """The broker freezes mid-stream (SIGSTOP) and comes back (SIGCONT). Shorter than the publish
    timeout: the worker rides through. Longer: it exits 3 and the supervisor restarts it."""
    name = "broker-pause-short" if pause_s < publish_timeout_s else "broker-pause-long"
    rig.publish(good_articles(n, name))
    # NER on: without it the rest of the backlog can drain before the broker freezes, and
    # then no publish is in flight to wait for it.
    worker = rig.start_worker("w", KHABAR_NER="true", KHABAR_PUBLISH_TIMEOUT_S=str(publish_timeout_s))
    rig.wait_for_outcomes(n // 4, timeout=60 + n / 50)
    pending = rig.pending_partitions()
    pid = rig.broker.pid
    assert pid is not None
    fault_at = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    time.sleep(pause_s)
    os.kill(pid, signal.SIGCONT)
    exited = worker.proc.poll()
    restarts = supervise(rig, worker, "w", rig.all_out, timeout=120 + n / 50)
    complete = rig.wait_all(timeout=30)
    codes = sorted({w.proc.returncode for w in rig.workers if w.proc.poll() is not None})
    note = f"SIGSTOP {pause_s:.0f}s, publish timeout {publish_timeout_s:.0f}s, {restarts} restart(s)"
    row = rig.row(name, rig.recovery_after(fault_at, pending), note)
    if not complete:
        row.failures.append("not every article came out after the broker came back")
    if pause_s < publish_timeout_s and (restarts or exited is not None):
        row.failures.append(f"worker should have ridden through a {pause_s}s outage, exit codes {codes}")
    if pause_s >= publish_timeout_s and exits.PUBLISH_FAILED not in codes:
        row.failures.append(
            f"expected exit code {exits.PUBLISH_FAILED} after the publish timeout, got {codes}"
        )
    for w in rig.workers:
        if w.proc.poll() is None and stop_worker(w) != 0:
            row.failures.append("a worker did not exit 0 on SIGTERM")
    return row


Scenario = Callable[[Rig, int], Row]
SCENARIOS: dict[str, tuple[Scenario, bool]] = {
    # name: (scenario, starts its own broker)
    "baseline": (scenario_baseline, True),
    "bad-input": (scenario_bad_input, True),
    "sigkill-restart": (scenario_sigkill_restart, True),
    "group-failover": (scenario_group_failover, True),
    "sigterm-backlog": (scenario_sigterm_backlog, True),
    "broker-late": (scenario_broker_late, False),
    "broker-pause-short": (lambda r, n: scenario_broker_outage(r, n, pause_s=8, publish_timeout_s=120), True),
    "broker-pause-long": (lambda r, n: scenario_broker_outage(r, n, pause_s=25, publish_timeout_s=6), True),
}


def run_scenario(name: str, n: int, workdir: Path) -> Row:
    play, starts_broker = SCENARIOS[name]
    started = time.monotonic()
    with rig(workdir, start_broker=starts_broker, port=None if starts_broker else free_port()) as the_rig:
        row = play(the_rig, n)
    row.note = f"{row.note} [{time.monotonic() - started:.0f}s]".strip()
    return row


def format_table(rows: list[Row]) -> str:
    head = (
        "scenario",
        "sent",
        "enriched",
        "dead-lettered",
        "lost",
        "duplicated",
        "recover s",
        "result",
        "note",
    )
    lines: list[tuple[str, ...]] = [head]
    for r in rows:
        recover = "-" if r.recover_s is None else f"{r.recover_s:.1f}"
        result = "ok" if r.ok else "FAIL"
        counts = (r.sent, r.enriched, r.dead_lettered, r.lost, r.duplicated)
        lines.append((r.scenario, *map(str, counts), recover, result, r.note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    for r in rows:
        out.extend(f"  {r.scenario}: {failure}" for failure in r.failures)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.reliability.chaos", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--articles", type=int, default=3000, help="articles per scenario (default 3000)")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="run only these")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="khabar-chaos-") as tmp:
        for name in args.scenario or list(SCENARIOS):
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"… {name}", file=sys.stderr, flush=True)
            rows.append(run_scenario(name, args.articles, workdir))
            print(f"  {'ok' if rows[-1].ok else 'FAIL'}: {rows[-1].note}", file=sys.stderr, flush=True)
    print(format_table(rows))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
