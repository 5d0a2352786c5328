"""Test traffic: good articles (the bundled samples under fresh ids) as Kafka records."""

from __future__ import annotations

import orjson

from workers.demo import sample_articles

Record = tuple[bytes | None, bytes | None]


def good_articles(count: int, prefix: str = "a") -> list[Record]:
    """``count`` valid Arabic and English articles keyed by their ids ``{prefix}-{i}``."""
    samples = [orjson.loads(line) for line in sample_articles().read_bytes().splitlines()[:5]]
    records: list[Record] = []
    for i in range(count):
        article = samples[i % len(samples)] | {"id": f"{prefix}-{i}"}
        records.append((article["id"].encode(), orjson.dumps(article)))
    return records
