"""The gazetteer compiled once into files that every worker process maps read-only and shares.

Building the index from the shipped tables (:meth:`Gazetteer.from_sources`) takes seconds and
about 250 MB of Python objects in every process. Compiled, it is:

- ``keys.marisa``: one MARISA trie (marisa-trie) of every name key (tag ``n``), hashtag form
  (``c``), word prefix of a longer key (``p``) and first/second word pair of one (``s``);
- ``tables.bin``: the candidates of each trie entry (offsets and place numbers), and the places
  as columns (GeoNames id, coordinates, population, kind, strings as numbers into a string pool);
- ``meta.json``: the small tables (acronyms, abbreviations, blocked phrases, capitals, marked
  forms) and the fingerprint of the inputs.

The files are mapped (``mmap``), so their pages are shared by every process on the host and
read from disk only where a key is looked up; places become :class:`~workers.core.records.Place`
objects on first use and are remembered, as are the answers of each key. A directory is named
by the fingerprint of everything the build reads (the data files, the code that builds the
index, the format): changed data or code means a new directory, never a stale one.

``python -m workers.gazetteer.compiled`` (run by the install script) compiles into the package
directory; a worker that finds no compiled gazetteer compiles one itself, under a lock so that
workers starting together build it once, in the package directory when it can write there, else
in ``$XDG_CACHE_HOME/khabar`` (``~/.cache/khabar``).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import logging
import mmap
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final, cast, get_args

import marisa_trie
import orjson

from workers.core.records import Place, PlaceKind
from workers.gazetteer.index import Gazetteer, Signature, Table
from workers.gazetteer.sources import load_sources

log = logging.getLogger(__name__)

#: Bumped whenever the files' layout changes.
FORMAT: Final = 1
_MAGIC: Final = b"KHABARGZ"
_NONE: Final = 0xFFFFFFFF
_KINDS: Final[tuple[PlaceKind, ...]] = get_args(PlaceKind)
#: Answers remembered per table before the memo starts again (a bound, not a cache policy: the
#: keys a stream uses are far fewer, and the mapped file stays the truth).
MEMO_MAX: Final = 200_000

_PACKAGE_DIR = Path(__file__).parent
#: What the build reads: the data, and the code that turns it into the index.
_INPUT_FILES = (
    "aliases.tsv",
    "regions.tsv",
    "sources.py",
    "index.py",
    "normalize.py",
    "wordlists.py",
    "compiled.py",
)


def fingerprint() -> str:
    """Hash of every input of the build, the format and the libraries that read the files."""
    digest = hashlib.sha256(f"{FORMAT} marisa-trie {version('marisa-trie')}".encode())
    paths = [_PACKAGE_DIR / name for name in _INPUT_FILES]
    paths += sorted((_PACKAGE_DIR / "data").iterdir())
    paths.append(_PACKAGE_DIR.parent / "records.py")
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


# -- writing ---------------------------------------------------------------------------------------
def compile_gazetteer(gazetteer: Gazetteer, directory: Path, stamp: str) -> None:
    """Write ``gazetteer`` (an in-memory one) as the three files into ``directory``."""
    names = {key: gazetteer._names[key] for key in gazetteer._names.every_key()}
    compact = {key: gazetteer._compact[key] for key in gazetteer._compact.every_key()}
    places: dict[int, Place] = {}
    for table in (names, compact, gazetteer._acronyms, gazetteer._after_name):
        for found in table.values():
            for place in found:
                if places.setdefault(place.geonameid, place) != place:
                    raise ValueError(f"two different places with GeoNames id {place.geonameid}")
    ordered = sorted(places.values(), key=lambda p: p.geonameid)
    number = {p.geonameid: i for i, p in enumerate(ordered)}

    entries: dict[str, tuple[Place, ...]] = {f"n{k}": v for k, v in names.items()}
    entries.update((f"c{k}", v) for k, v in compact.items())
    entries.update((f"p{k}", ()) for k in gazetteer._prefixes.every_key())
    for first in gazetteer._seconds.every_key():
        entries.update((f"s{first}\t{second}", ()) for second in gazetteer._seconds[first])
    trie = marisa_trie.Trie(list(entries))
    by_id: list[tuple[Place, ...]] = [()] * len(trie)
    for key, found in entries.items():
        by_id[trie.key_id(key)] = found
    offsets = [0]
    items: list[int] = []
    for found in by_id:
        items.extend(number[p.geonameid] for p in found)
        offsets.append(len(items))

    pool: dict[str, int] = {}

    def string(value: str | None) -> int:
        return _NONE if value is None else pool.setdefault(value, len(pool))

    columns: dict[str, tuple[str, Sequence[int] | Sequence[float] | bytes]] = {
        "gid": ("q", [p.geonameid for p in ordered]),
        "lat": ("d", [p.lat for p in ordered]),
        "lon": ("d", [p.lon for p in ordered]),
        "population": ("q", [p.population for p in ordered]),
        "kind": ("I", [_KINDS.index(p.kind) for p in ordered]),
        "name": ("I", [string(p.name) for p in ordered]),
        "country_code": ("I", [string(p.country_code) for p in ordered]),
        "admin1": ("I", [string(p.admin1) for p in ordered]),
        "admin2": ("I", [string(p.admin2) for p in ordered]),
        "feature_code": ("I", [string(p.feature_code) for p in ordered]),
    }
    blob = bytearray()
    string_offsets = [0]
    for value in pool:
        blob += value.encode("utf-8")
        string_offsets.append(len(blob))
    sections: dict[str, tuple[str, Sequence[int] | Sequence[float] | bytes]] = {
        "offsets": ("I", offsets),
        "items": ("I", items),
        **columns,
        "string_offsets": ("I", string_offsets),
        "strings": ("B", bytes(blob)),
    }
    layout: dict[str, list[Any]] = {}
    body = bytearray()
    for name, (code, values) in sections.items():
        body += b"\0" * (-len(body) % 8)  # each section 8-byte aligned, for the casts
        data = values if isinstance(values, bytes) else struct.pack(f"<{len(values)}{code}", *values)
        layout[name] = [code, len(_MAGIC) + len(body), len(values)]
        body += data

    def small(table: Mapping[str, tuple[Place, ...]]) -> dict[str, list[int]]:
        return {key: [number[p.geonameid] for p in found] for key, found in table.items()}

    meta = {
        "format": FORMAT,
        "fingerprint": stamp,
        "layout": layout,
        "size": len(gazetteer),
        "max_words": gazetteer.max_words,
        "acronyms": small(gazetteer._acronyms),
        "after_name": small(gazetteer._after_name),
        "blocked": sorted(gazetteer._blocked),
        "blocked_heads": sorted(gazetteer._blocked_heads),
        "after_heads": sorted(gazetteer._after_heads),
        "capitals": sorted(gazetteer._capitals),
        "guessed": sorted(gazetteer._guessed),
        "marked": {
            key: [[gid, [list(m) for m in sig]] for gid, sig in forms]
            for key, forms in gazetteer._marked.items()
        },
    }
    trie.save(str(directory / "keys.marisa"))
    (directory / "tables.bin").write_bytes(_MAGIC + bytes(body))
    (directory / "meta.json").write_bytes(orjson.dumps(meta))


def build(root: Path, stamp: str | None = None) -> Path:
    """Compile the shipped data into ``root/<fingerprint>`` (atomically) and return that path;
    other compilations in ``root`` are removed. Call it under the root's lock (``_locked``)."""
    stamp = stamp or fingerprint()
    target = root / stamp
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    was_enabled = gc.isenabled()
    gc.disable()  # a million objects that all live on until written: see default_gazetteer
    try:
        gazetteer = Gazetteer.from_sources(load_sources())
        scratch = Path(tempfile.mkdtemp(prefix=f".{stamp}-", dir=root))
        try:
            compile_gazetteer(gazetteer, scratch, stamp)
            os.replace(scratch, target)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    finally:
        if was_enabled:
            gc.enable()
    # Under the lock no other compile runs, so a scratch directory left here was abandoned by a
    # killed one (SIGKILL, or a SIGTERM that exits at once): 20 MB each, never to be renamed.
    for other in root.iterdir():
        if other.is_dir() and other.name != stamp:
            shutil.rmtree(other, ignore_errors=True)
    log.info(
        "gazetteer: compiled %d keys into %s in %.1f s", len(gazetteer), target, time.perf_counter() - started
    )
    return target


# -- reading ---------------------------------------------------------------------------------------
class _Columns:
    """The mapped ``tables.bin``: typed views of its sections, and places built on first use."""

    def __init__(self, path: Path, layout: Mapping[str, list[Any]]) -> None:
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(_MAGIC)] != _MAGIC:
            raise ValueError(f"{path} is not a compiled khabar gazetteer")
        view = memoryview(self._map)
        self._views: dict[str, Any] = {}
        for name, (code, start, count) in layout.items():
            size = struct.calcsize(code)
            self._views[name] = view[start : start + count * size].cast(code)
        self.offsets: Sequence[int] = self._views["offsets"]
        self.items: Sequence[int] = self._views["items"]
        self._places: dict[int, Place] = {}

    def place(self, number: int) -> Place:
        found = self._places.get(number)
        if found is None:
            v = self._views
            found = self._places[number] = Place(
                geonameid=v["gid"][number],
                name=cast(str, self._string(v["name"][number])),
                kind=_KINDS[v["kind"][number]],
                country_code=self._string(v["country_code"][number]),
                admin1=self._string(v["admin1"][number]),
                lat=v["lat"][number],
                lon=v["lon"][number],
                population=v["population"][number],
                admin2=self._string(v["admin2"][number]),
                feature_code=self._string(v["feature_code"][number]),
            )
        return found

    def places(self, numbers: Sequence[int]) -> tuple[Place, ...]:
        return tuple(self.place(n) for n in numbers)

    def _string(self, number: int) -> str | None:
        if number == _NONE:
            return None
        offsets = self._views["string_offsets"]
        return bytes(self._views["strings"][offsets[number] : offsets[number + 1]]).decode("utf-8")

    def close(self) -> None:
        for view in self._views.values():
            view.release()
        self._views.clear()
        self._map.close()


class _Mapped(Table[Any]):
    """Answers for one tag of the trie, looked up on first use and then remembered."""

    __slots__ = ("_columns", "_tag", "_trie", "_value")

    def __init__(self, trie: marisa_trie.Trie, tag: str, columns: _Columns, value: str) -> None:
        super().__init__({}, default=None)
        self._trie, self._tag, self._columns, self._value = trie, tag, columns, value

    def __missing__(self, key: str) -> Any:
        if len(self) >= MEMO_MAX:
            self.clear()
        trie, tagged = self._trie, self._tag + key
        if self._value == "seconds":
            found: Any = frozenset(k.split("\t", 1)[1] for k in trie.keys(f"{tagged}\t"))
        else:
            at = trie.get(tagged)
            if self._value == "flag":
                found = at is not None
            elif at is None:
                found = ()
            else:
                columns = self._columns
                found = columns.places(columns.items[columns.offsets[at] : columns.offsets[at + 1]])
        self[key] = found
        return found

    def every_key(self) -> Iterator[str]:
        if self._value == "seconds":
            return iter(sorted({k[1:].split("\t", 1)[0] for k in self._trie.keys(self._tag)}))
        return (k[1:] for k in self._trie.keys(self._tag))


def load(directory: Path) -> Gazetteer:
    """The gazetteer compiled into ``directory``, mapped (well under a second)."""
    meta = orjson.loads((directory / "meta.json").read_bytes())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{directory}: format {meta.get('format')}, this khabar reads {FORMAT}")
    trie = marisa_trie.Trie()
    trie.mmap(str(directory / "keys.marisa"))
    columns = _Columns(directory / "tables.bin", meta["layout"])

    def small(table: Mapping[str, list[int]]) -> dict[str, tuple[Place, ...]]:
        return {key: columns.places(numbers) for key, numbers in table.items()}

    marked: dict[str, tuple[tuple[int, Signature], ...]] = {
        key: tuple((gid, tuple((at, mark) for at, mark in sig)) for gid, sig in forms)
        for key, forms in meta["marked"].items()
    }
    return Gazetteer.mapped(
        names=_Mapped(trie, "n", columns, "places"),
        compact=_Mapped(trie, "c", columns, "places"),
        prefixes=_Mapped(trie, "p", columns, "flag"),
        seconds=_Mapped(trie, "s", columns, "seconds"),
        acronyms=small(meta["acronyms"]),
        after_name=small(meta["after_name"]),
        blocked=frozenset(meta["blocked"]),
        blocked_heads=frozenset(meta["blocked_heads"]),
        after_heads=frozenset(meta["after_heads"]),
        capitals=frozenset(meta["capitals"]),
        guessed=frozenset(meta["guessed"]),
        marked=marked,
        max_words=meta["max_words"],
        size=meta["size"],
    )


def _writable(root: Path) -> bool:
    probe = root if root.exists() else root.parent
    return os.access(probe, os.W_OK)


def roots() -> list[Path]:
    """Where compiled gazetteers are looked for, in order: the package, then the user's cache."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "khabar" / "gazetteer"
    return [_PACKAGE_DIR / "compiled", cache]


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_or_build() -> Gazetteer:
    """The compiled gazetteer of the installed data, compiled first if no root holds it."""
    stamp = fingerprint()
    for root in roots():
        if (root / stamp / "meta.json").is_file():
            return load(root / stamp)
    writable = [r for r in roots() if _writable(r)]
    if not writable:
        raise RuntimeError(f"no compiled gazetteer and nowhere to write one ({', '.join(map(str, roots()))})")
    root = writable[0]
    with _locked(root):
        if not (root / stamp / "meta.json").is_file():  # another worker may have built it meanwhile
            log.warning("gazetteer: no compiled index for this data; compiling it into %s (once)", root)
            build(root, stamp)
    return load(root / stamp)


def main(argv: list[str] | None = None) -> int:
    """``python -m workers.gazetteer.compiled [DIR]``: compile into DIR (default: the package)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else roots()[0]
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    stamp = fingerprint()
    with _locked(root):
        # A compilation named by the same fingerprint is of the same inputs: nothing to redo.
        path = root / stamp if (root / stamp / "meta.json").is_file() else build(root, stamp)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
