"""The compiled gazetteer: the same answers as the one built in memory, mapped and shared."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workers.gazetteer import compiled
from workers.gazetteer.index import Gazetteer, built_gazetteer, default_gazetteer


@pytest.fixture(scope="module")
def both() -> tuple[Gazetteer, Gazetteer]:
    return default_gazetteer(), built_gazetteer()


def test_every_key_of_every_table_reads_the_same(both: tuple[Gazetteer, Gazetteer]) -> None:
    mapped, built = both
    assert len(mapped) == len(built) and mapped.max_words == built.max_words
    keys = sorted(built.name_keys())
    assert sorted(mapped.name_keys()) == keys
    prefixes = list(built._prefixes.every_key())
    firsts = list(built._seconds.every_key())
    hashtags = list(built._compact.every_key())
    probes = [*keys, *prefixes, *firsts, *hashtags, "", "zzqx", "new yorkx", "ال"]
    differ = [
        k
        for k in probes
        if mapped.lookup(k) != built.lookup(k)
        or mapped.is_prefix(k) != built.is_prefix(k)
        or mapped.may_start(k) != built.may_start(k)
        or mapped.next_words(k) != built.next_words(k)
        or mapped.lookup_compact(k) != built.lookup_compact(k)
        or mapped.lookup_acronym(k) != built.lookup_acronym(k)
        or mapped.lookup_after_name(k) != built.lookup_after_name(k)
        or mapped.is_blocked(k) != built.is_blocked(k)
        or mapped.is_guessed(k) != built.is_guessed(k)
        or mapped.has_marked_forms(k) != built.has_marked_forms(k)
        or (k in mapped) != (k in built)
    ]
    assert differ == []
    assert len(probes) > 400_000
    # Candidates keep their order (most populous first) and every field of every place.
    assert [p for k in keys[::97] for p in mapped.lookup(k)] == [
        p for k in keys[::97] for p in built.lookup(k)
    ]


def test_a_missing_compilation_is_built_once_and_others_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled, "roots", lambda: [tmp_path / "package", tmp_path / "cache"])
    (tmp_path / "package" / "0ld").mkdir(parents=True)
    (tmp_path / "package" / ".0ld-abandoned").mkdir()  # the scratch of a compile killed midway
    gazetteer = compiled.load_or_build()
    stamp = compiled.fingerprint()
    assert sorted(p.name for p in (tmp_path / "package").iterdir()) == [".lock", stamp]
    assert gazetteer.lookup("doha")[0].country_code == "QA"
    built_at = (tmp_path / "package" / stamp / "tables.bin").stat().st_mtime_ns
    compiled.load_or_build()
    assert (tmp_path / "package" / stamp / "tables.bin").stat().st_mtime_ns == built_at


def test_changed_inputs_change_the_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "gazetteer"
    (package / "data").mkdir(parents=True)
    (package / "data" / "countries.tsv").write_text("QA\tQatar\n")
    (package / "index.py").write_text("# code\n")
    monkeypatch.setattr(compiled, "_PACKAGE_DIR", package)
    before = compiled.fingerprint()
    (package / "data" / "countries.tsv").write_text("QA\tQatar\nKW\tKuwait\n")
    assert compiled.fingerprint() != before
    changed = compiled.fingerprint()
    (package / "index.py").write_text("# other code\n")
    assert compiled.fingerprint() not in (before, changed)


def test_a_compilation_of_another_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "meta.json").write_text('{"format": 0}')
    with pytest.raises(ValueError, match="format 0"):
        compiled.load(tmp_path)


def test_two_processes_map_the_same_files() -> None:
    probe = (
        "import os, sys; from workers.gazetteer.index import default_gazetteer\n"
        "assert default_gazetteer().lookup('doha')\n"
        "print(os.getpid(), flush=True); sys.stdin.read()\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", probe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        mapped: list[set[str]] = []
        for proc in procs:
            assert proc.stdout is not None
            pid = int(proc.stdout.readline())
            maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
            mapped.append({line.split()[-1] for line in maps if "/compiled/" in line})
        assert mapped[0] == mapped[1]
        assert {Path(p).name for p in mapped[0]} == {"keys.marisa", "tables.bin"}
    finally:
        for proc in procs:
            proc.communicate("", timeout=30)
