"""Offline enrichment of a JSON Lines file (``khabar enrich``): no broker, same events as the worker.

Lines go through the pipeline in batches, as in the worker, and out through the same sink
protocol (:class:`~workers.sinks.jsonl.JsonlSink`); a line's number stands where a record's
offset would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import IO

from tqdm import tqdm

from workers.core.headers import Origin
from workers.core.outcomes import DeadLetter
from workers.pipeline.runner import Pipeline
from workers.sinks import Received
from workers.sinks.jsonl import JsonlSink


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
    number, reason) and skipped. ``total`` (lines, for the progress bar) may be unknown."""
    out = JsonlSink(sink)
    name = getattr(source, "name", "<input>")
    batch: list[Received] = []

    def flush() -> None:
        outcomes = pipeline.process_many([r.value for r in batch])
        asyncio.run(out.write(list(zip(batch, outcomes, strict=True))))
        bar.update(len(batch))
        batch.clear()

    with tqdm(total=total, unit="article", disable=not progress, file=stderr, desc="enrich") as bar:
        for lineno, line in enumerate(source, start=1):
            value = line.rstrip(b"\r\n")
            if not value.strip():
                continue
            batch.append(Received(Origin(str(name), 0, lineno), None, value))
            if len(batch) == batch_size:
                flush()
        if batch:
            flush()
    return EnrichReport(out.enriched, out.rejected)
