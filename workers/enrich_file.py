"""Offline enrichment of a JSON Lines file (``khabar enrich``): no broker, same events as the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

from tqdm import tqdm

from workers.pipeline.runner import DeadLetter, Pipeline


@dataclass
class EnrichReport:
    enriched: int = 0
    rejected: list[tuple[int, DeadLetter]] = field(default_factory=list)


def enrich_lines(
    pipeline: Pipeline,
    source: IO[bytes],
    sink: IO[bytes],
    total: int | None = None,
    progress: bool = True,
    stderr: IO[str] | None = None,
) -> EnrichReport:
    """One enriched event per good input line; bad lines are reported (line number, reason) and skipped."""
    report = EnrichReport()
    with tqdm(total=total, unit="article", disable=not progress, file=stderr, desc="enrich") as bar:
        for lineno, line in enumerate(source, start=1):
            value = line.rstrip(b"\r\n")
            if not value.strip():
                continue
            outcome = pipeline.process(value)
            if isinstance(outcome, DeadLetter):
                report.rejected.append((lineno, outcome))
            else:
                sink.write(outcome.value + b"\n")
                report.enriched += 1
            bar.update(1)
    return report
