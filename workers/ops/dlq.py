"""``khabar dlq replay``: re-publish dead-lettered articles to the input topic, filtered by reason.

A dead letter holds the original record's key and bytes; its ``khabar-reason`` header says why
it failed. Replaying sends the original key and bytes back to the input topic (so the running
worker processes them again) with headers saying where they came from. An article that still
fails is dead-lettered again, so after a fix replay only the reasons that fix addresses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO, get_args

from tqdm import tqdm

from workers.core.errors import Reason
from workers.core.headers import UNKNOWN_REASON, Origin, reason_of, replay_headers
from workers.ops.positions import Earliest, Latest, Position, TimeWindow
from workers.ops.reader import (
    PartitionRange,
    RangeReader,
    acked,
    kafka_consumer,
    kafka_producer,
    plan_ranges,
    require_topics,
)
from workers.settings import KafkaSettings
from workers.sinks import Message
from workers.sinks.kafka import Publisher, aiokafka_send

#: Every reason khabar writes, and ``unknown``.
KNOWN_REASONS = (*get_args(Reason), UNKNOWN_REASON)


@dataclass(frozen=True, slots=True)
class ReasonFilter:
    """``--reason`` (any of these; none given: every reason) minus ``--exclude-reason``."""

    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()

    @classmethod
    def of(cls, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> ReasonFilter:
        return cls(frozenset(r.strip() for r in include), frozenset(r.strip() for r in exclude))

    def selects(self, reason: str) -> bool:
        return (not self.include or reason in self.include) and reason not in self.exclude

    def unfamiliar(self) -> list[str]:
        """Reasons asked for that khabar never writes: probably typos."""
        return sorted((self.include | self.exclude) - set(KNOWN_REASONS))


@dataclass
class ReasonCounts:
    read: int = 0
    selected: int = 0
    published: int = 0

    @property
    def skipped(self) -> int:
        return self.read - self.selected


@dataclass
class DlqReport:
    dlq_topic: str
    to_topic: str
    dry_run: bool
    ranges: list[PartitionRange] = field(default_factory=list)
    by_reason: dict[str, ReasonCounts] = field(default_factory=dict)
    #: Per partition, the first and last offset looked at (``--limit`` may stop before the end).
    read_spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: ``--limit`` was reached before the end of the slice.
    limited: bool = False

    def spans(self) -> str:
        """``partition: first→next`` of what was read, e.g. ``0: 0→12, 1: none``."""
        parts = []
        for r in self.ranges:
            span = self.read_spans.get(r.partition)
            parts.append(f"{r.partition}: {span[0]}→{span[1] + 1}" if span else f"{r.partition}: none")
        return ", ".join(parts)

    def counts(self, reason: str) -> ReasonCounts:
        return self.by_reason.setdefault(reason, ReasonCounts())

    def totals(self) -> ReasonCounts:
        total = ReasonCounts()
        for c in self.by_reason.values():
            total.read += c.read
            total.selected += c.selected
            total.published += c.published
        return total


async def replay_dead_letters(
    settings: KafkaSettings,
    dlq_topic: str,
    to_topic: str,
    reasons: ReasonFilter,
    start: Position = Earliest(),  # noqa: B008 - frozen
    limit: int | None = None,
    dry_run: bool = False,
    progress: bool = False,
    stderr: IO[str] | None = None,
) -> DlqReport:
    """Read ``dlq_topic`` from ``start`` to its current end and re-publish the selected records."""
    report = DlqReport(dlq_topic, to_topic, dry_run)
    async with kafka_consumer(settings) as consumer:
        await require_topics(consumer, settings.broker, [dlq_topic] if dry_run else [dlq_topic, to_topic])
        report.ranges = await plan_ranges(consumer, dlq_topic, start, Latest())
        reader = RangeReader(consumer, dlq_topic, report.ranges, TimeWindow.of(start, Latest()))
        async with nullcontext() if dry_run else kafka_producer(settings) as producer:
            publisher = Publisher(aiokafka_send(producer)) if producer is not None else None
            with tqdm(
                total=reader.total, unit="record", disable=not progress, file=stderr, desc=f"{dlq_topic} →"
            ) as bar:
                while not report.limited and (batch := await reader.next_batch(500)) is not None:
                    messages: list[Message] = []
                    selected: list[ReasonCounts] = []
                    for record in batch:
                        if limit is not None and report.totals().selected >= limit:
                            report.limited = True
                            break
                        first, _ = report.read_spans.get(record.partition, (record.offset, 0))
                        report.read_spans[record.partition] = (first, record.offset)
                        reason = reason_of(record.headers)
                        counts = report.counts(reason)
                        counts.read += 1
                        if not reasons.selects(reason):
                            continue
                        counts.selected += 1
                        origin = Origin(record.topic, record.partition, record.offset)
                        messages.append(
                            Message(
                                to_topic,
                                record.key,
                                record.value,
                                replay_headers(origin, reason, record.headers),
                            )
                        )
                        selected.append(counts)
                    if publisher is not None:
                        await acked(publisher.publish(messages), to_topic)
                        for counts in selected:
                            counts.published += 1
                    bar.update(reader.progress() - bar.n)
    return report


def summary_rows(report: DlqReport) -> list[Sequence[str | int]]:
    """Rows of the summary table: one per reason seen, then the total."""
    rows: list[Sequence[str | int]] = []
    for reason in sorted(report.by_reason):
        c = report.by_reason[reason]
        rows.append((reason, c.read, c.selected, c.skipped, c.published))
    t = report.totals()
    rows.append(("total", t.read, t.selected, t.skipped, t.published))
    return rows
