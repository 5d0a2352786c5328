"""``khabar demo``: embedded broker + one worker process + sample articles, printed as they come out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import click
import orjson
from aiokafka.admin import NewTopic

from workers import kafka_clients
from workers.broker import FAST_GROUP_ENV, EmbeddedBroker, tansu_binary
from workers.core import headers as khabar_headers
from workers.jsonl import jsonl_records
from workers.produce import produce_records
from workers.settings import KafkaSettings, TopicSettings


def sample_articles() -> Path:
    return Path(str(files("workers.samples").joinpath("articles.jsonl")))


async def ensure_topics(kafka: KafkaSettings, names: list[str], partitions: int = 4) -> None:
    admin = kafka_clients.admin(kafka)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names if n not in existing
        ]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()


def render_event(event: dict[str, Any]) -> str:
    lang = event["language"]
    title = event["source"].get("title") or ""
    lines = [
        click.style(f"● {event['id']}", fg="green", bold=True)
        + f"  [{lang['code']} {lang['confidence']:.2f}]  {title}"
    ]
    for loc in event["locations"]:
        words = ", ".join(f"«{m['text']}» {m['field']}@{m['start']}" for m in loc["mentions"])
        lines.append(
            f"    📍 {loc['name']} ({loc['country_code'] or '--'}, {loc['kind']}, "
            f"{loc['lat']:.4f}, {loc['lon']:.4f}, geonames {loc['geonameid']}) ← {words}"
        )
    for ent in event["entities"]:
        lines.append(f"    🏷  {ent['label']} «{ent['text']}» {ent['field']}@{ent['start']}")
    if event["focus"]:
        lines.append(f"    focus: {event['focus']['name']}")
    return "\n".join(lines)


def render_dead_letter(key: bytes | None, value: bytes, headers: dict[str, bytes]) -> str:
    reason = khabar_headers.reason_of(headers.items())
    error = khabar_headers.header(headers.items(), khabar_headers.ERROR) or ""
    shown = value[:60].decode("utf-8", "replace")
    return click.style(f"✗ dead letter ({reason})", fg="red", bold=True) + f" {shown!r}\n    {error}"


async def watch(
    kafka: KafkaSettings,
    topics: TopicSettings,
    expected: int,
    deadline: float,
    forever: bool,
    worker: subprocess.Popen[bytes] | None = None,
) -> int:
    """Print events and dead letters as they come; stop after ``expected`` (unless ``forever``),
    at ``deadline``, or as soon as the ``worker`` process has exited (nothing more will come)."""
    consumer = kafka_clients.consumer(
        kafka, topics.output_topic, topics.dlq_topic, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen = 0
    try:
        while forever or seen < expected:
            if not forever and time.monotonic() > deadline:
                break
            if worker is not None and worker.poll() is not None:
                break
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for rec in records:
                    seen += 1
                    if tp.topic == topics.output_topic:
                        click.echo(render_event(orjson.loads(rec.value)))
                    else:
                        hdrs = {k: v for k, v in rec.headers}
                        click.echo(render_dead_letter(rec.key, rec.value, hdrs))
                    if forever and seen == expected:
                        click.echo(
                            f"\nall {expected} articles processed; the worker keeps running.\n"
                            f"Publish more with: khabar produce FILE --broker {kafka.broker}\nCtrl-C stops.\n"
                        )
    finally:
        await consumer.stop()
    return seen


def run_demo(
    broker_port: int | None,
    metrics_port: int,
    articles: Path | None,
    exit_when_done: bool,
    timeout: float,
) -> int:
    """Run the demo (``khabar demo``); its exit status. Raises ``BrokerError`` when the embedded
    broker is not installed or cannot start.

    Args:
        broker_port: the embedded broker's port; None picks a free one.
        metrics_port: the worker's /metrics, /healthz and /readyz port.
        articles: JSON Lines to publish; None publishes the bundled samples.
        exit_when_done: stop once every article came out, instead of at Ctrl-C.
        timeout: with ``exit_when_done``, how long to wait for them.
    """
    # Before the temporary directory: a missing broker would leave it behind for nothing.
    tansu_binary()
    source = articles or sample_articles()
    workdir = Path(tempfile.mkdtemp(prefix="khabar-demo-"))
    worker_log = workdir / "worker.log"
    with EmbeddedBroker(port=broker_port, log_path=workdir / "broker.log") as embedded:
        kafka = KafkaSettings(broker=embedded.bootstrap)
        topics = TopicSettings()
        click.echo(f"embedded broker on {embedded.bootstrap}; logs in {workdir}")
        asyncio.run(ensure_topics(kafka, [topics.input_topic, topics.output_topic, topics.dlq_topic]))
        env = os.environ | FAST_GROUP_ENV | {"KHABAR_BROKER": embedded.bootstrap}
        with worker_log.open("w") as log_fh:
            proc = subprocess.Popen(
                [sys.executable, "-m", "workers", "worker", "--metrics-port", str(metrics_port)],
                env=env,
                stdout=log_fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{metrics_port}"
        click.echo(f"worker pid {proc.pid}; {base}/metrics, {base}/healthz, {base}/readyz")
        code = 0
        # The worker runs in its own session (Ctrl-C reaches only the demo, which stops it in
        # order): a SIGTERM to the demo must stop it the same way, not orphan it.
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            with source.open("rb") as fh:
                records = list(jsonl_records(fh))
            asyncio.run(produce_records(kafka, topics.input_topic, records, progress=False))
            click.echo(f"published {len(records)} articles to {topics.input_topic}; waiting for results...\n")
            seen = asyncio.run(
                watch(
                    kafka,
                    topics,
                    len(records),
                    time.monotonic() + timeout,
                    forever=not exit_when_done,
                    worker=proc,
                )
            )
            if proc.poll() is not None:
                click.echo(
                    f"the worker exited with code {proc.returncode}; its log ({worker_log}):", err=True
                )
                click.echo(worker_log.read_text()[-3000:], err=True)
                code = 1
            elif seen < len(records):
                click.echo(f"only {seen} of {len(records)} articles came out within {timeout:.0f}s", err=True)
                click.echo(worker_log.read_text()[-3000:], err=True)
                code = 1
            else:
                click.echo(f"\nall {seen} articles processed.")
        except KeyboardInterrupt:
            click.echo("\nstopping...")
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            signal.signal(signal.SIGTERM, previous)
        return code


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
