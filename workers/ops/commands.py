"""The ``khabar dlq replay`` and ``khabar replay`` commands (registered in ``workers/cli.py``).

Heavy imports (aiokafka, the pipeline, Faust) happen inside the commands, so ``khabar --help``
stays fast.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, get_args

import click

from workers.cli_options import broker_option, progress_option, settings_from, show_progress
from workers.core import headers
from workers.ops.positions import Position, before, parse_position


class PositionParam(click.ParamType):
    """``TIME|OFFSET`` on the command line -> a :data:`workers.ops.positions.Position`."""

    name = "TIME|OFFSET"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Position:
        if not isinstance(value, str):
            return value  # type: ignore[no-any-return]  # a default already converted
        try:
            return parse_position(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


POSITION = PositionParam()


def _quiet_logs() -> None:
    """Errors reach the user as one message each; aiokafka would log them a second time."""
    from workers.observability.logs import configure_logging

    configure_logging("ERROR")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


def render_table(header: Sequence[str], rows: Sequence[Sequence[str | int]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return "\n".join(line(row) for row in cells)


def _reasons() -> str:
    """The dead-letter reasons khabar writes (kept light: ``khabar --help`` imports this module)."""
    from workers.core.errors import Reason

    return ", ".join(get_args(Reason))


@click.group(short_help="Dead letters: `khabar dlq replay` re-feeds them to the worker after a fix.")
def dlq() -> None:
    """Dead-letter topic operations: `khabar dlq replay` re-feeds dead letters to the worker."""


@dlq.command("replay")
@broker_option
@click.option("--dlq-topic", help="Dead-letter topic to read. Env: KHABAR_DLQ_TOPIC [articles.dlq].")
@click.option(
    "--to-topic",
    "--input-topic",
    "to_topic",
    help="Topic to re-publish to. Env: KHABAR_INPUT_TOPIC [articles.raw].",
)
@click.option(
    "--reason",
    "reasons",
    multiple=True,
    metavar="REASON",
    help="Replay only dead letters with this reason; repeat for several. Default: every reason.",
)
@click.option(
    "--exclude-reason", multiple=True, metavar="REASON", help="Leave dead letters with this reason out."
)
@click.option(
    "--from",
    "start",
    type=POSITION,
    default="earliest",
    show_default=True,
    help="Where to start in every DLQ partition: an ISO 8601 or relative time, or an offset.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Re-publish at most N records.")
@click.option("--dry-run", is_flag=True, help="Read and count what would be replayed; publish nothing.")
@progress_option
def dlq_replay(
    broker: str | None,
    dlq_topic: str | None,
    to_topic: str | None,
    reasons: tuple[str, ...],
    exclude_reason: tuple[str, ...],
    start: Position,
    limit: int | None,
    dry_run: bool,
    progress: bool | None,
) -> None:
    """Re-publish dead-lettered articles to the input topic, e.g. after a fix.

    Reads the DLQ from the beginning (or --from) up to its end as it is when the command
    starts, so it finishes even while the worker keeps adding dead letters. It keeps the
    records whose {reason} header passes --reason / --exclude-reason (a record without
    that header has reason "unknown") and publishes each one's original key and bytes to
    the input topic, acks=all, then prints a table by reason: read, selected, skipped,
    published.

    \b
    Headers on each re-published record:
      {replayed_from}     DLQ topic/partition/offset of the dead letter
      {replayed_reason}   its {reason}
      {replayed_source}   the original record's topic/partition/offset (when known)

    The running worker then processes the replayed articles like new ones: nothing is
    restarted and no consumer group offset moves. An article that still fails goes back
    to the DLQ as a new dead letter, so after a fix replay only the reasons it addresses,
    and start the next replay --from the time this one printed so as not to send the same
    dead letters twice. Exit status 0 on success; 1 with a message when the broker cannot
    be reached (within about 10 s), a topic does not exist or publishing fails.

    Reasons: {reasons}; and unknown for a record without the header.

    \b
    Examples:
      khabar dlq replay --reason stage_error --dry-run
      khabar dlq replay --reason stage_error --reason body_too_large
      khabar dlq replay --exclude-reason not_json --from 2026-11-29T10:00:00Z
      khabar dlq replay --from -6h --limit 100 --broker kafka-1:9092
    """
    from workers.ops.dlq import ReasonFilter, replay_dead_letters, summary_rows
    from workers.ops.reader import OpsError

    settings = settings_from(broker=broker, dlq_topic=dlq_topic, input_topic=to_topic)
    _quiet_logs()
    chosen = ReasonFilter.of(reasons, exclude_reason)
    for odd in chosen.unfamiliar():
        click.echo(f"warning: khabar writes no dead-letter reason {odd!r} (known: {_reasons()})", err=True)
    begun = datetime.now(UTC)
    try:
        report = asyncio.run(
            replay_dead_letters(
                settings,
                settings.dlq_topic,
                settings.input_topic,
                chosen,
                start=start,
                limit=limit,
                dry_run=dry_run,
                progress=show_progress(progress),
            )
        )
    except OpsError as exc:
        raise click.ClickException(str(exc)) from exc
    verb = "would re-publish (dry run)" if dry_run else "re-published"
    click.echo(render_table(("reason", "read", "selected", "skipped", "published"), summary_rows(report)))
    click.echo(f"read {report.dlq_topic} partitions {report.spans()}")
    total = report.totals()
    click.echo(
        f"{verb} {total.published if not dry_run else total.selected} of {total.read} dead letters "
        f"to {report.to_topic}" + (f" (stopped at --limit {limit})" if report.limited else "")
    )
    if not report.limited:
        click.echo(f"next time, to skip these: --from {begun.strftime('%Y-%m-%dT%H:%M:%SZ')}")


# Header names come from the one module that defines them.
dlq_replay.help = (
    (dlq_replay.help or "")
    .replace("{reasons}", _reasons())
    .replace("{replayed_from}", headers.REPLAYED_FROM)
    .replace("{replayed_reason}", headers.REPLAYED_REASON)
    .replace("{replayed_source}", headers.REPLAYED_SOURCE)
    .replace("{reason}", headers.REASON)
)


@click.command(
    "replay", short_help="Re-enrich past articles with the current models (after a model upgrade)."
)
@broker_option
@click.option("--input-topic", help="Raw articles topic to re-read. Env: KHABAR_INPUT_TOPIC [articles.raw].")
@click.option("--output-topic", help="Enriched events topic. Env: KHABAR_OUTPUT_TOPIC [articles.enriched].")
@click.option("--dlq-topic", help="Dead-letter topic. Env: KHABAR_DLQ_TOPIC [articles.dlq].")
@click.option("--from", "start", type=POSITION, required=True, help="Where to start in every partition.")
@click.option(
    "--to",
    "stop",
    type=POSITION,
    default="latest",
    show_default=True,
    help="Where to stop (exclusive); never past the end as of the start.",
)
@click.option(
    "--partition",
    "partitions",
    type=click.IntRange(min=0),
    multiple=True,
    help="Only this input partition; repeat for several. Default: all.",
)
@click.option("--ner/--no-ner", default=None, help="Tag named entities with Stanza. Env: KHABAR_NER [on].")
@click.option(
    "--max-body-chars", type=int, help="Longer bodies are dead-lettered. Env: KHABAR_MAX_BODY_CHARS."
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help="Articles per pipeline batch. Env: KHABAR_BATCH_SIZE [64].",
)
@click.option(
    "--dry-run", is_flag=True, help="Read and enrich, publish nothing; the summary shows what would be."
)
@progress_option
def replay(
    start: Position,
    stop: Position,
    partitions: tuple[int, ...],
    dry_run: bool,
    progress: bool | None,
    **flags: Any,
) -> None:
    """Re-enrich past articles with the current models, e.g. after a model upgrade.

    A one-shot job beside the running worker: it reads the input partitions directly,
    without a consumer group, from --from to --to (or to their end as it is when the job
    starts), so the worker's committed offsets never move and the worker keeps enriching
    new articles meanwhile. Articles go through the current pipeline in batches of
    KHABAR_BATCH_SIZE and out through the worker's sink, exactly as in the worker
    (KHABAR_LANGUAGES, KHABAR_NER_LANGUAGES, KHABAR_MODELS_DIR apply); enriched
    events go to the output topic keyed by article id, so consumers that keep the latest
    event per key (or a compacted topic) get the new enrichment in place of the old;
    dead letters go to the DLQ with the worker's headers; acks=all. It prints per
    partition the offsets read, then how many were enriched and dead-lettered by reason.

    \b
    TIME|OFFSET is one of:
      2026-11-29T10:00:00Z   ISO 8601 / RFC 3339 time (UTC when no offset is given)
      -30m, -2h, -1d12h      a time relative to now
      1200                   an offset, the same in every partition
      earliest, latest       the partition's first offset, or its end
    A time selects per partition from the first record whose timestamp is at or after it.

    \b
    Examples:
      khabar replay --from -2h --dry-run
      khabar replay --from 2026-11-29T10:00:00Z --to 2026-11-29T12:00:00Z
      khabar replay --from earliest --partition 0 --partition 3
      khabar replay --from 1200 --to 1500 --no-ner
    """
    from workers.ner.registry import ModelMissingError
    from workers.ops.reader import OpsError
    from workers.ops.replay import replay_history
    from workers.pipeline.runner import Pipeline

    if not before(start, stop):
        raise click.UsageError(f"--to ({stop}) must come after --from ({start})")
    settings = settings_from(**flags)
    _quiet_logs()
    try:
        report = asyncio.run(
            replay_history(
                settings,
                lambda: Pipeline.from_settings(settings),
                start,
                stop,
                partitions=partitions,
                dry_run=dry_run,
                progress=show_progress(progress),
            )
        )
    except (OpsError, ModelMissingError) as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [(r.partition, r.span(), r.delivered) for r in report.ranges]
    click.echo(render_table(("partition", "offsets", "read"), rows))
    reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(report.dead_lettered.items()))
    dead = sum(report.dead_lettered.values())
    prefix = "dry run, nothing published: " if dry_run else ""
    click.echo(
        f"{prefix}read {report.read} from {report.input_topic}: enriched {report.enriched} "
        f"→ {report.output_topic}, dead-lettered {dead}"
        + (f" ({reasons})" if reasons else "")
        + f" → {report.dlq_topic}"
    )
