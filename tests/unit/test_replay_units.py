"""The pure parts of `khabar dlq replay` and `khabar replay`: TIME|OFFSET, the reason filter,
provenance headers, and the bounded reader driven by a fake consumer. No broker, no network."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from workers.cli import main
from workers.core.headers import (
    REPLAYED_FROM,
    REPLAYED_REASON,
    REPLAYED_SOURCE,
    Origin,
    dead_letter_headers,
    reason_of,
    replay_headers,
    source_of,
)
from workers.core.outcomes import DeadLetter
from workers.ops.commands import render_table
from workers.ops.dlq import KNOWN_REASONS, ReasonFilter
from workers.ops.positions import (
    AtOffset,
    AtTime,
    Earliest,
    Latest,
    TimeWindow,
    before,
    parse_position,
    start_offset,
    stop_offset,
)
from workers.ops.reader import OpsError, PartitionRange, RangeReader

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


# --- TIME|OFFSET ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("earliest", Earliest()),
        ("EARLIEST", Earliest()),
        ("beginning", Earliest()),
        ("latest", Latest()),
        ("end", Latest()),
        ("0", AtOffset(0)),
        ("1200", AtOffset(1200)),
        (" 42 ", AtOffset(42)),
    ],
)
def test_offsets_and_words(text: str, expected: object) -> None:
    assert parse_position(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "seconds_ago"),
    [("-30s", 30), ("-30m", 1800), ("-2h", 7200), ("-2H", 7200), ("-1d", 86400), ("-1d12h", 129600)],
)
def test_relative_times_count_back_from_now(text: str, seconds_ago: int) -> None:
    assert parse_position(text, now=NOW) == AtTime(NOW_MS - seconds_ago * 1000)


@pytest.mark.parametrize(
    ("text", "iso_utc"),
    [
        ("2026-11-29T10:00:00Z", "2026-11-29T10:00:00+00:00"),
        ("2026-11-29T13:00:00+03:00", "2026-11-29T10:00:00+00:00"),
        ("2026-11-29T10:00:00", "2026-11-29T10:00:00+00:00"),  # no offset: UTC
        ("2026-11-29T10:00:00.250Z", "2026-11-29T10:00:00.250000+00:00"),
        ("2026-11-29", "2026-11-29T00:00:00+00:00"),
    ],
)
def test_iso_8601_times(text: str, iso_utc: str) -> None:
    position = parse_position(text)
    assert isinstance(position, AtTime)
    assert position.ms == int(datetime.fromisoformat(iso_utc).timestamp() * 1000)


@pytest.mark.parametrize("text", ["", "bogus", "2h", "-2x", "12:00", "2026-13-01T00:00:00Z", "1.5"])
def test_anything_else_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_position(text)


def test_a_negative_number_asks_for_a_unit() -> None:
    with pytest.raises(ValueError, match="needs a unit"):
        parse_position("-5")


def test_time_prints_as_utc() -> None:
    assert str(parse_position("2026-11-29T13:00:00+03:00")) == "2026-11-29T10:00:00.000+00:00"


def test_start_offsets_are_clamped_to_what_the_partition_holds() -> None:
    # partition holds [10, 50)
    assert start_offset(Earliest(), 10, 50) == 10
    assert start_offset(Latest(), 10, 50) == 50
    assert start_offset(AtOffset(0), 10, 50) == 10
    assert start_offset(AtOffset(20), 10, 50) == 20
    assert start_offset(AtOffset(99), 10, 50) == 50
    assert start_offset(AtTime(1), 10, 50, time_offset=30) == 30
    assert start_offset(AtTime(1), 10, 50, time_offset=None) == 50, "no record that late: nothing"


def test_stop_offsets_never_pass_the_end_captured_at_start() -> None:
    assert stop_offset(Latest(), 10, 50) == 50
    assert stop_offset(AtOffset(30), 10, 50) == 30
    assert stop_offset(AtOffset(99), 10, 50) == 50
    assert stop_offset(Earliest(), 10, 50) == 10
    assert stop_offset(AtTime(NOW_MS), 10, 50) == 50, "a time is found while reading"


def test_to_must_come_after_from_when_that_is_knowable() -> None:
    assert before(Earliest(), Latest())
    assert before(AtOffset(5), AtOffset(6)) and not before(AtOffset(6), AtOffset(6))
    assert before(AtTime(5), AtTime(6)) and not before(AtTime(6), AtTime(5))
    assert before(AtTime(5), AtOffset(1)), "a time and an offset are compared only by reading"
    assert not before(Earliest(), Earliest()) and not before(Latest(), Latest())


def test_time_window_bounds() -> None:
    window = TimeWindow.of(AtTime(100), AtTime(200))
    assert window.before_start(99) and not window.before_start(100)
    assert window.past_stop(200) and not window.past_stop(199)
    open_ended = TimeWindow.of(AtOffset(5), Latest())
    assert not open_ended.before_start(0) and not open_ended.past_stop(10**15)


# --- the reason filter and provenance headers ----------------------------------------------


def test_reason_filter() -> None:
    everything = ReasonFilter.of()
    assert all(everything.selects(r) for r in KNOWN_REASONS)
    only = ReasonFilter.of(["not_json", "empty_body"])
    assert only.selects("not_json") and only.selects("empty_body")
    assert not only.selects("stage_error") and not only.selects("unknown")
    but = ReasonFilter.of(exclude=["not_json"])
    assert not but.selects("not_json") and but.selects("stage_error") and but.selects("unknown")
    both = ReasonFilter.of(["not_json", "stage_error"], ["stage_error"])
    assert both.selects("not_json") and not both.selects("stage_error")


def test_reason_filter_names_reasons_khabar_never_writes() -> None:
    assert ReasonFilter.of(["not-json", "not_json"], ["unknown", "Stage_Error"]).unfamiliar() == [
        "Stage_Error",
        "not-json",
    ]


def test_reason_comes_from_the_header_or_is_unknown() -> None:
    assert reason_of([("khabar-stage", b"decode"), ("khabar-reason", b"not_json")]) == "not_json"
    assert reason_of([("khabar-stage", b"decode")]) == "unknown"
    assert reason_of(None) == "unknown"
    assert reason_of([("khabar-reason", None)]) == "unknown"
    assert reason_of([("khabar-reason", b"")]) == "unknown"


def test_replayed_records_say_where_they_came_from() -> None:
    headers = [
        ("khabar-reason", b"stage_error"),
        ("khabar-source-topic", b"articles.raw"),
        ("khabar-source-partition", b"1"),
        ("khabar-source-offset", b"900"),
    ]
    assert dict(replay_headers(Origin("articles.dlq", 2, 17), "stage_error", headers)) == {
        REPLAYED_FROM: b"articles.dlq/2/17",
        REPLAYED_REASON: b"stage_error",
        REPLAYED_SOURCE: b"articles.raw/1/900",
    }
    bare = replay_headers(Origin("d", 0, 3), "unknown", [])
    assert dict(bare) == {REPLAYED_FROM: b"d/0/3", REPLAYED_REASON: b"unknown"}
    # A source the headers do not give whole (or give as no offset) is left out, not half-written.
    partial = [("khabar-source-topic", b"articles.raw"), ("khabar-source-offset", b"x")]
    assert REPLAYED_SOURCE not in dict(replay_headers(Origin("d", 0, 3), "unknown", partial))


def test_dead_letter_headers_read_back_through_the_same_codec() -> None:
    letter = DeadLetter("stage_error", "locations", "KeyError: 'x' " + "é" * 3000, "a-1", "KeyError")
    headers = dead_letter_headers(letter, Origin("articles.raw", 3, 41))
    assert reason_of(headers) == "stage_error"
    assert source_of(headers) == Origin("articles.raw", 3, 41)
    assert dict(headers)["khabar-stage"] == b"locations"
    assert dict(headers)["khabar-error-type"] == b"KeyError"
    # The detail is cut to its byte limit, and still reads as text.
    assert len(dict(headers)["khabar-error"]) <= 2000
    assert dict(headers)["khabar-error"].decode("utf-8", "replace").startswith("KeyError: 'x' é")


def test_render_table_aligns_columns() -> None:
    text = render_table(("reason", "read"), [("not_json", 3), ("total", 12)])
    assert text.splitlines() == ["reason    read", "not_json     3", "total       12"]


# --- the bounded reader, with a fake consumer ----------------------------------------------


@dataclass
class FakeRecord:
    partition: int
    offset: int
    timestamp: int
    topic: str = "t"


class FakeConsumer:
    """Just what RangeReader uses of AIOKafkaConsumer, over in-memory partitions."""

    def __init__(self, partitions: dict[int, list[FakeRecord]], end: dict[int, int] | None = None) -> None:
        self.partitions = partitions
        self.end = end or {p: (recs[-1].offset + 1 if recs else 0) for p, recs in partitions.items()}
        self.pos: dict[int, int] = {}
        self.paused: set[int] = set()

    def assign(self, tps: Sequence[Any]) -> None:
        self.pos = {tp.partition: 0 for tp in tps}

    def seek(self, tp: Any, offset: int) -> None:
        self.pos[tp.partition] = offset

    def pause(self, tp: Any) -> None:
        self.paused.add(tp.partition)

    async def position(self, tp: Any) -> int:
        return self.pos[tp.partition]

    async def getmany(self, *tps: Any, timeout_ms: int, max_records: int) -> dict[Any, list[FakeRecord]]:
        out: dict[Any, list[FakeRecord]] = {}
        budget = max_records
        for tp in tps:
            p = tp.partition
            if p in self.paused or budget == 0:
                continue
            recs = [r for r in self.partitions[p] if r.offset >= self.pos[p]][:budget]
            if recs:
                out[tp] = recs
                budget -= len(recs)
                self.pos[p] = recs[-1].offset + 1
            elif self.pos[p] < self.end[p]:
                self.pos[p] = self.end[p]  # only markers left: the position still moves
        if not out:
            await asyncio.sleep(0)
        return out


async def read_all(reader: RangeReader, batch: int = 3) -> list[tuple[int, int]]:
    got: list[tuple[int, int]] = []
    while (records := await reader.next_batch(batch)) is not None:
        assert 0 < len(records) <= batch
        got.extend((r.partition, r.offset) for r in records)
    return got


def partition(p: int, timestamps: Sequence[int], gaps: Sequence[int] = ()) -> list[FakeRecord]:
    offsets = [o for o in range(len(timestamps) + len(gaps)) if o not in gaps]
    return [FakeRecord(p, o, ts) for o, ts in zip(offsets, timestamps, strict=True)]


def test_reader_reads_each_planned_range_and_stops() -> None:
    consumer = FakeConsumer({0: partition(0, [1] * 6), 1: partition(1, [1] * 4)})
    ranges = [PartitionRange(0, 2, 5), PartitionRange(1, 0, 4)]
    reader = RangeReader(consumer, "t", ranges)
    got = asyncio.run(read_all(reader))
    assert sorted(got) == [(0, 2), (0, 3), (0, 4), (1, 0), (1, 1), (1, 2), (1, 3)]
    assert [r.span() for r in ranges] == ["2→5", "0→4"]
    assert reader.progress() == reader.total == 7


def test_reader_from_time_skips_until_the_first_record_at_or_after_it() -> None:
    # Timestamps out of order after the first match stay in, as with Kafka's offsets_for_times.
    consumer = FakeConsumer({0: partition(0, [10, 20, 30, 25, 40])})
    ranges = [PartitionRange(0, 0, 5)]
    reader = RangeReader(consumer, "t", ranges, TimeWindow(from_ms=30))
    assert asyncio.run(read_all(reader)) == [(0, 2), (0, 3), (0, 4)]
    assert ranges[0].skipped_early == 2


def test_reader_to_time_ends_a_partition_at_its_first_record_at_or_after_it() -> None:
    consumer = FakeConsumer({0: partition(0, [10, 20, 30, 25, 40]), 1: partition(1, [5, 50])})
    reader = RangeReader(
        consumer, "t", [PartitionRange(0, 0, 5), PartitionRange(1, 0, 2)], TimeWindow(to_ms=30)
    )
    assert sorted(asyncio.run(read_all(reader))) == [(0, 0), (0, 1), (1, 0)]
    assert reader.progress() == reader.total


def test_reader_finishes_when_the_last_offsets_hold_no_records() -> None:
    # offsets 3 and 4 are transaction markers or compacted away: the end (5) has no record before it
    consumer = FakeConsumer({0: partition(0, [1, 1, 1])}, end={0: 5})
    assert asyncio.run(read_all(RangeReader(consumer, "t", [PartitionRange(0, 0, 5)]))) == [
        (0, 0),
        (0, 1),
        (0, 2),
    ]


def test_reader_gives_up_when_nothing_moves() -> None:
    consumer = FakeConsumer({0: partition(0, [1, 1])}, end={0: 2})
    consumer.paused.add(0)  # the broker never answers
    reader = RangeReader(consumer, "t", [PartitionRange(0, 0, 2)], idle_timeout=0.2)
    with pytest.raises(OpsError, match="no records from t"):
        asyncio.run(read_all(reader))


def test_empty_ranges_need_no_reading() -> None:
    consumer = FakeConsumer({0: []})
    reader = RangeReader(consumer, "t", [PartitionRange(0, 7, 7)])
    assert asyncio.run(read_all(reader)) == []
    assert reader.total == 0


# --- the command line, without a broker ------------------------------------------------------


def test_both_commands_have_help_with_examples() -> None:
    for args in (["dlq", "replay", "--help"], ["replay", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "Examples:" in result.output
        assert "--from TIME|OFFSET" in result.output
    assert "worker's committed offsets never move" in CliRunner().invoke(main, ["replay", "-h"]).output


def test_a_bad_position_is_a_usage_error_before_any_connection() -> None:
    result = CliRunner().invoke(main, ["replay", "--from", "yesterday"])
    assert result.exit_code == 2
    assert "Invalid value for '--from'" in result.output
    assert CliRunner().invoke(main, ["replay"]).exit_code == 2, "--from is required"
    backwards = CliRunner().invoke(main, ["replay", "--from", "-1h", "--to", "-2h"])
    assert backwards.exit_code == 2
    assert "--to" in backwards.output and "must come after --from" in backwards.output
