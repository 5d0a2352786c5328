"""JSON Lines files of raw articles: counting them and turning their lines into Kafka records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson


def count_nonblank_lines(path: Path) -> int:
    """For progress bars: one cheap pass before the real one."""
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def jsonl_records(lines: Iterable[bytes]) -> Iterator[tuple[bytes | None, bytes]]:
    """(key, value) per non-blank line. The line is sent as it is, valid or not: the
    worker, not the producer, decides what is dead-lettered. The key is the article id when
    the line is a JSON object with a string id."""
    for line in lines:
        value = line.rstrip(b"\r\n")
        if not value.strip():
            continue
        key = None
        try:
            obj = orjson.loads(value)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            key = obj["id"].encode("utf-8")
        yield key, value
