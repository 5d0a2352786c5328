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
    batch_size: int = 64,
) -> EnrichReport:
    """One enriched event per good input line, in input order; bad lines are reported (line
    number, reason) and skipped. Lines go through the pipeline in batches, as in the worker."""
    report = EnrichReport()
    batch: list[tuple[int, bytes]] = []

    def flush() -> None:
        outcomes = pipeline.process_many([value for _, value in batch])
        for (lineno, _), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, DeadLetter):
                report.rejected.append((lineno, outcome))
            else:
                sink.write(outcome.value + b"\n")
                report.enriched += 1
        bar.update(len(batch))
        batch.clear()

    with tqdm(total=total, unit="article", disable=not progress, file=stderr, desc="enrich") as bar:
        for lineno, line in enumerate(source, start=1):
            value = line.rstrip(b"\r\n")
            if not value.strip():
                continue
            batch.append((lineno, value))
            if len(batch) == batch_size:
                flush()
        if batch:
            flush()
    return report
