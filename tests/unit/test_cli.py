"""The offline commands, through click's runner: no broker."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from workers.cli import main
from workers.contract import ENRICHED_EVENT, validator


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "worker", "produce", "enrich", "broker"):
        assert command in result.output
    for command in ("demo", "worker", "produce", "enrich", "broker"):
        sub = CliRunner().invoke(main, [command, "--help"])
        assert sub.exit_code == 0, sub.output
        assert "Usage:" in sub.output


def test_enrich_writes_one_valid_event_per_good_line_and_reports_bad_ones(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    out = tmp_path / "out.jsonl"
    src.write_bytes(
        orjson.dumps({"id": "a", "body": "Talks in Doha and London continued on Monday."})
        + b"\n{broken\n\n"
        + orjson.dumps({"id": "b", "body": "عقدت في الرياض محادثات جديدة."})
        + b"\n"
        + orjson.dumps({"id": "c"})
        + b"\n"
    )
    result = CliRunner().invoke(main, ["enrich", str(src), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    events = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [e["id"] for e in events] == ["a", "b"]
    schema = validator(ENRICHED_EVENT)
    assert all(not list(schema.iter_errors(e)) for e in events)
    assert {loc["name"] for loc in events[0]["locations"]} >= {"Doha", "London"}
    assert [loc["name"] for loc in events[1]["locations"]] == ["Riyadh"]
    assert f"{src}:2: skipped (not_json at decode)" in result.output
    assert f"{src}:5: skipped (schema_violation at validate)" in result.output
    assert "enriched 2, skipped 2" in result.output


def test_enrich_fails_when_nothing_could_be_enriched(tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text("nope\n")
    result = CliRunner().invoke(main, ["enrich", str(src), "-o", str(tmp_path / "o.jsonl"), "--no-progress"])
    assert result.exit_code == 1


def test_enrich_reads_a_pipe_once(tmp_path: Path) -> None:
    """`khabar enrich <(cat ...)` hands over a FIFO, which can be read only once."""
    import os
    import threading

    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    lines = b"".join(orjson.dumps({"id": f"f-{i}", "body": "Talks in Doha."}) + b"\n" for i in range(3))

    def write() -> None:
        with fifo.open("wb") as fh:
            fh.write(lines)

    writer = threading.Thread(target=write)
    writer.start()
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["enrich", str(fifo), "-o", str(out), "--no-progress", "--no-ner"])
    writer.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert len(out.read_bytes().splitlines()) == 3
