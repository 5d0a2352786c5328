"""The gazetteer: normalised name keys -> candidate places, built once per process."""

from __future__ import annotations

import functools
import gc
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

from workers.core.records import Place
from workers.gazetteer.normalize import (
    is_arabic,
    is_arabic_mark,
    mark_signature,
    marks_agree,
    name_key,
)
from workers.gazetteer.sources import (
    ARABIC_BARE_COLLISIONS,
    NOT_PLACES,
    SourceData,
    is_notable,
    load_calendar_words,
    load_sources,
    stop_words,
)

log = logging.getLogger(__name__)

_ARTICLE = "ال"
_ALEFS = frozenset("اٱ")
#: A bare form shorter than this is almost always some other word (البلا -> بلا "without").
_MIN_BARE_CHARS = 4
#: One- and two-letter Arabic words are particles and pronouns far more often than the few
#: places so named (قم, إب); Latin keys need two letters (names like "Ho" stay findable).
_MIN_ARABIC_CHARS = 3
#: Arabic marks that may be written on a name in text (see ``mark_signature``).
_MARKED = frozenset("\u064e\u064f\u0650\u0651\u0652")
_SHADDA = "\u0651"

Signature = tuple[tuple[int, str], ...]


class Gazetteer:
    """Name keys (see :func:`~workers.gazetteer.normalize.name_key`) to candidate places.

    Tables: ordinary names; acronyms (US, UK, UAE), consulted only for all-capital text;
    abbreviations that count only after ``Name,`` (Calif., TX); names written without spaces,
    for hashtags (#SriLanka, #srilanka); and phrases that contain a place name but are not places
    (New York Times). ``max_words`` is the longest key in words, the widest n-gram worth trying.
    """

    __slots__ = (
        "_acronyms",
        "_after_heads",
        "_after_name",
        "_blocked",
        "_blocked_heads",
        "_capitals",
        "_compact",
        "_guessed",
        "_marked",
        "_names",
        "_prefixes",
        "_seconds",
        "_size",
        "max_words",
    )

    # The four big tables are read by subscript (a missing key reads as "nothing"), so that the
    # compiled gazetteer (workers.gazetteer.compiled) can stand behind the same methods with
    # tables that look a key up in the mapped file on first use.
    _names: Table[tuple[Place, ...]]
    _compact: Table[tuple[Place, ...]]
    _prefixes: Table[bool]
    _seconds: Table[frozenset[str]]

    def __init__(
        self,
        names: Mapping[str, tuple[Place, ...]],
        acronyms: Mapping[str, tuple[Place, ...]] | None = None,
        blocked: Iterable[str] = (),
        *,
        after_name: Mapping[str, tuple[Place, ...]] | None = None,
        capitals: Iterable[int] = (),
        marked: Mapping[str, tuple[tuple[int, Signature], ...]] | None = None,
        guessed: Iterable[str] = (),
    ) -> None:
        self._names = Table(names, default=())
        self._guessed = frozenset(guessed)
        self._acronyms = dict(acronyms or {})
        self._after_name = dict(after_name or {})
        self._blocked = frozenset(blocked)
        self._capitals = frozenset(capitals)
        self._marked = dict(marked or {})
        prefixes: set[str] = set()
        seconds: dict[str, set[str]] = {}
        max_words = 1
        for key in (*self._names, *self._acronyms, *self._after_name, *self._blocked):
            if " " not in key:
                continue
            words = key.split(" ")
            max_words = max(max_words, len(words))
            for n in range(1, len(words)):
                prefixes.add(" ".join(words[:n]))
            # A two-word after-name abbreviation is looked up whole, never widened into.
            if len(words) > 2 or key in self or key in self._blocked:
                seconds.setdefault(words[0], set()).add(words[1])
        # Word prefixes of multi-word keys let the matcher stop widening an n-gram as soon as
        # no name can continue it, instead of trying every width up to max_words.
        self._prefixes = Table(dict.fromkeys(prefixes, True), default=False)
        self._seconds = Table(
            {first: frozenset(words) for first, words in seconds.items()}, default=frozenset()
        )
        self.max_words = max_words
        # Keys that some blocked phrase or after-name abbreviation begins with (whole words), so
        # the matcher can tell from one word that no such phrase can start there.
        self._blocked_heads = _word_heads(self._blocked)
        self._after_heads = _word_heads(self._after_name)
        # Hashtags glue words together (#SriLanka, #puertorico): multi-word names of notable
        # places are also findable without their spaces. Small towns are left out, since glued
        # lowercase words are how hashtags spell ordinary phrases too.
        compact: dict[str, tuple[Place, ...]] = {}
        for key, found in self._names.items():
            if " " in key:
                kept = tuple(p for p in found if self.is_notable(p))
                if kept:
                    compact.setdefault(key.replace(" ", ""), kept)
        self._compact = Table(compact, default=())
        self._size = len(self._names) + len(self._acronyms)

    @classmethod
    def mapped(
        cls,
        *,
        names: Table[tuple[Place, ...]],
        compact: Table[tuple[Place, ...]],
        prefixes: Table[bool],
        seconds: Table[frozenset[str]],
        acronyms: dict[str, tuple[Place, ...]],
        after_name: dict[str, tuple[Place, ...]],
        blocked: frozenset[str],
        blocked_heads: frozenset[str],
        after_heads: frozenset[str],
        capitals: frozenset[int],
        guessed: frozenset[str],
        marked: dict[str, tuple[tuple[int, Signature], ...]],
        max_words: int,
        size: int,
    ) -> Gazetteer:
        """A gazetteer over tables that are already built (see :mod:`workers.gazetteer.compiled`),
        with nothing derived again."""
        self = cls.__new__(cls)
        self._names, self._compact, self._prefixes, self._seconds = names, compact, prefixes, seconds
        self._acronyms, self._after_name, self._blocked = acronyms, after_name, blocked
        self._blocked_heads, self._after_heads, self._capitals = blocked_heads, after_heads, capitals
        self._guessed, self._marked, self.max_words, self._size = guessed, marked, max_words, size
        return self

    @classmethod
    def load(cls) -> Gazetteer:
        """The process-wide gazetteer built from the installed data (built on first use)."""
        return default_gazetteer()

    @classmethod
    def from_names(
        cls,
        places: Mapping[int, Place],
        names: Iterable[tuple[str, int]],
        alternates: Iterable[tuple[str, int]] = (),
        acronyms: Iterable[tuple[str, int]] = (),
        stop: Iterable[str] = (),
        not_places: Iterable[str] = (),
        minor_stop: Iterable[str] = (),
        after_name: Iterable[tuple[str, int]] = (),
        capitals: Iterable[int] = (),
        minor: Iterable[tuple[str, int]] = (),
        guessed: Iterable[tuple[str, int]] = (),
    ) -> Gazetteer:
        """Index (surface name, geonameid) pairs; ``stop`` names are never indexed.

        ``minor_stop`` words (month and weekday names) are not indexed for places that are not
        notable: March, Cambridgeshire gives way to the month, Dushanbe (دوشنبه, also Persian
        for Monday) does not. ``not_places`` phrases are matched only to be skipped.

        ``names`` are canonical names, ``alternates`` other names: a key that is some place's
        canonical name does not also list places that merely have it as an alternate name
        (Bethlehem is not Belém, Salem is not Jerusalem, Victoria is not Hong Kong).
        A name starting with the Arabic article ال is also indexed without it (الدوحة ->
        دوحة) for notable places, unless the bare form is a common word or a key already.
        ``capitals`` (geonameids of national capitals) count as notable whatever their size.
        ``minor`` names of small towns join whatever key they have, shadowing nothing: the
        location stage takes such a town only where the article backs it.
        ``guessed`` names (spelled out from a romanisation, not attested) only add keys that
        nothing else has; :meth:`is_guessed` tells the location stage to want a locative word.
        """
        capital_ids = frozenset(capitals)

        def notable(place: Place) -> bool:
            return is_notable(place, capital=place.geonameid in capital_ids)

        stop_keys = {name_key(word) for word in stop}
        minor_keys = {name_key(word) for word in minor_stop}
        no_bare = stop_keys | {name_key(word) for word in ARABIC_BARE_COLLISIONS}
        # Values are tuples from the start, one shared 1-tuple per place: most keys have a
        # single candidate, and the index has a quarter of a million keys.
        singles = {gid: (place,) for gid, place in places.items()}
        table: dict[str, tuple[Place, ...]] = {}
        bare_forms: dict[str, tuple[Place, ...]] = {}
        # Diacritised spellings (عمّان, عُمان) of names that share a key: marks written in an
        # article can then choose between the namesakes.
        signatures: dict[str, list[tuple[int, Signature]]] = {}
        canonical: frozenset[str] = frozenset()
        owners: dict[str, tuple[tuple[str | None, str | None], ...]] = {}
        for batch in (names, alternates):
            for name, gid in batch:
                key = name_key(name)
                marked = not name.isascii() and _SHADDA in name
                if (len(key) < _MIN_ARABIC_CHARS and _too_short(key)) or key in stop_keys:
                    continue
                if key in canonical and not marked and not _own_unit(places[gid], owners.get(key, ())):
                    # A shadda says which namesake a writer means (عمّان is Amman, while the
                    # canonical عمان is Oman), so a marked alternate may join a canonical key;
                    # so may a city named after its own country or division (Kuwait City is
                    # also الكويت, New York City also New York).
                    continue
                if key in minor_keys and not notable(places[gid]):
                    continue
                _add(table, key, singles[gid])
                if not name.isascii() and not _MARKED.isdisjoint(name):
                    signatures.setdefault(key, []).append((gid, mark_signature(name)))
                # Writers rarely drop the article of a small town's name, and the bare form of
                # one is often an ordinary noun (الطرف -> طرف "side"): only notable places.
                if key.startswith(_ARTICLE) and _has_article(name) and notable(places[gid]):
                    bare = key[len(_ARTICLE) :]
                    if len(bare) >= _MIN_BARE_CHARS and not bare.startswith(" ") and bare not in no_bare:
                        _add(bare_forms, bare, singles[gid])
            if not canonical:
                canonical = frozenset(table)
                owners = {
                    key: tuple((p.country_code, p.admin1) for p in found if p.kind in ("country", "admin1"))
                    for key, found in table.items()
                    if any(p.kind in ("country", "admin1") for p in found)
                }
        # A bare form never joins an existing key: that would make a name ambiguous that a
        # writer spelled out in full.
        table.update((bare, found) for bare, found in bare_forms.items() if bare not in table)
        for name, gid in minor:
            key = name_key(name)
            if (len(key) < _MIN_ARABIC_CHARS and _too_short(key)) or key in stop_keys or key in minor_keys:
                continue
            _add(table, key, singles[gid])
        guesses = [(name_key(name), gid) for name, gid in guessed]
        guessed_keys: set[str] = set()
        for key, _gid in guesses:
            if key in table or key in stop_keys or key in minor_keys or _too_short(key):
                continue
            guessed_keys.add(key)
        for key, gid in guesses:
            if key in guessed_keys:
                _add(table, key, singles[gid])
        marked_forms = {key: tuple(forms) for key, forms in signatures.items() if len(table.get(key, ())) > 1}

        acronym_table: dict[str, tuple[Place, ...]] = {}
        for name, gid in acronyms:
            _add(acronym_table, name_key(name), singles[gid])
        after_table: dict[str, tuple[Place, ...]] = {}
        for name, gid in after_name:
            _add(after_table, name_key(name), singles[gid])
        return cls(
            _by_population(table),
            _by_population(acronym_table),
            {name_key(phrase) for phrase in not_places},
            after_name=after_table,
            capitals=capital_ids,
            marked=marked_forms,
            guessed=guessed_keys,
        )

    @classmethod
    def from_sources(cls, data: SourceData) -> Gazetteer:
        """Index everything :func:`~workers.gazetteer.sources.load_sources` read."""
        return cls.from_names(
            data.places,
            data.names,
            data.alternates,
            data.acronyms,
            stop=stop_words(),
            not_places=NOT_PLACES,
            minor_stop=load_calendar_words(),
            after_name=data.after_name,
            capitals=data.capitals,
            minor=data.minor_names,
            guessed=data.guessed_names,
        )

    def lookup(self, key: str) -> tuple[Place, ...]:
        """Candidates for a normalised key, most populous first; () when unknown."""
        return self._names[key]

    def lookup_acronym(self, key: str) -> tuple[Place, ...]:
        """Candidates for a key written all in capitals (US, U.K.); () when not an acronym."""
        return self._acronyms.get(key, ())

    def lookup_after_name(self, key: str) -> tuple[Place, ...]:
        """Candidates for an abbreviation that follows ``Name,`` (Calif., N.M., TX)."""
        return self._after_name.get(key, ())

    def lookup_compact(self, key: str) -> tuple[Place, ...]:
        """Notable places whose multi-word name is ``key`` without spaces (srilanka)."""
        return self._compact[key]

    def is_blocked(self, key: str) -> bool:
        """True for phrases that contain a place name but are not places (New York Times)."""
        return key in self._blocked

    def is_prefix(self, key: str) -> bool:
        """True when some key continues ``key`` with more words."""
        return self._prefixes[key]

    def may_start(self, key: str) -> bool:
        """True when an ordinary name, an acronym or a blocked phrase is ``key`` or starts with it."""
        return bool(self._names[key]) or key in self._acronyms or key in self._blocked or self._prefixes[key]

    def next_words(self, first: str) -> frozenset[str]:
        """The words that come second in keys whose first word is ``first`` (one word): for one
        more word ``w``, ``may_start(f"{first} {w}")`` is ``w in next_words(first)``."""
        return self._seconds[first]

    def may_start_blocked(self, key: str) -> bool:
        """True when a blocked phrase (see :meth:`is_blocked`) is ``key`` or starts with it."""
        return key in self._blocked_heads

    def may_start_after_name(self, key: str) -> bool:
        """True when an after-name abbreviation (see :meth:`lookup_after_name`) is ``key`` or
        starts with it."""
        return key in self._after_heads

    def is_notable(self, place: Place) -> bool:
        """A country, division, region or continent, a big city, or a national capital (see
        :func:`~workers.gazetteer.sources.is_notable`)."""
        return is_notable(place, capital=place.geonameid in self._capitals)

    def is_guessed(self, key: str) -> bool:
        """True for a key that only a name spelled out from a romanisation gave (الخفجي)."""
        return key in self._guessed

    def is_capital(self, place: Place) -> bool:
        """True for a national capital."""
        return place.geonameid in self._capitals

    def has_marked_forms(self, key: str) -> bool:
        """Whether :meth:`by_marks` can narrow the candidates of ``key`` at all."""
        return bool(self._marked.get(key))

    def by_marks(self, key: str, places: tuple[Place, ...], written: Signature) -> tuple[Place, ...]:
        """The candidates whose known diacritised spellings fit the marks written in the text.

        Candidates without a diacritised spelling stay; if none fits, all stay (the marks may be
        a typo, and dropping every candidate would lose the mention).
        """
        forms = self._marked.get(key)
        if not written or not forms:
            return places
        misfits = {gid for gid, known in forms if not marks_agree(written, known)}
        fits = {gid for gid, known in forms if marks_agree(written, known)}
        kept = tuple(p for p in places if p.geonameid in fits or p.geonameid not in misfits)
        return kept or places

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (bool(self._names[key]) or key in self._acronyms)

    def __len__(self) -> int:
        return self._size

    def name_keys(self) -> Iterator[str]:
        """Every ordinary name key (not acronyms, not after-name abbreviations)."""
        return self._names.every_key()


V = TypeVar("V")


class Table(dict[str, V]):
    """A key table where a missing key reads as ``default`` (no candidates, not a prefix), so
    that one subscript answers both "is it there" and "what is it". Subclasses fill keys in on
    first look-up from somewhere else (``__missing__``)."""

    __slots__ = ("default",)

    def __init__(self, entries: Mapping[str, V], *, default: V) -> None:
        super().__init__(entries)
        self.default = default

    def __missing__(self, key: str) -> V:
        return self.default

    def every_key(self) -> Iterator[str]:
        """All keys the table holds, whether or not looked up yet."""
        return iter(list(self))


def _word_heads(keys: Iterable[str]) -> frozenset[str]:
    """Every key and every whole-word beginning of one: "a b c" -> "a", "a b", "a b c"."""
    heads: set[str] = set()
    for key in keys:
        words = key.split(" ")
        heads.update(" ".join(words[:n]) for n in range(1, len(words) + 1))
    return frozenset(heads)


def _own_unit(place: Place, owners: tuple[tuple[str | None, str | None], ...]) -> bool:
    if place.kind != "city":
        return False
    return any(cc == place.country_code and admin1 in (None, place.admin1) for cc, admin1 in owners)


def _too_short(key: str) -> bool:
    return len(key) < 2 or (is_arabic(key) and len(key) < _MIN_ARABIC_CHARS)


def _has_article(name: str) -> bool:
    # Only a plain (or wasla) alef starts the article: the hamza in ألمانيا or إلينوي says the
    # alef-lam is part of the name, and stripping it would index مانيا (mania).
    if name[:1] not in _ALEFS:
        return False
    letters = "".join(ch for ch in name[:8] if not is_arabic_mark(ch))
    return letters[:2] in ("ال", "ٱل")


def _add(table: dict[str, tuple[Place, ...]], key: str, single: tuple[Place, ...]) -> None:
    found = table.get(key)
    if found is None:
        table[key] = single
    elif single[0] not in found:
        table[key] = (*found, single[0])


def _by_population(table: dict[str, tuple[Place, ...]]) -> dict[str, tuple[Place, ...]]:
    # Candidates most populous first, so that callers and tests see a stable order.
    for key, found in table.items():
        if len(found) > 1:
            table[key] = tuple(sorted(found, key=lambda p: (-p.population, p.geonameid)))
    return table


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The process-wide gazetteer: the compiled one, mapped (see :mod:`workers.gazetteer.compiled`;
    compiled first where no install step did)."""
    from workers.gazetteer import compiled  # it builds on this module

    started = time.perf_counter()
    gazetteer = compiled.load_or_build()
    log.info("gazetteer: %d keys mapped in %.2f s", len(gazetteer), time.perf_counter() - started)
    return gazetteer


def built_gazetteer() -> Gazetteer:
    """The gazetteer built from the installed data as Python objects (~3.5 s, ~250 MB): what
    the compiled one is made from, and what it is checked against."""
    started = time.perf_counter()
    # The build allocates about a million objects that all live on: the cyclic collector would
    # walk them again and again to free nothing (measured: 15-25% of the build time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gazetteer = Gazetteer.from_sources(load_sources())
    finally:
        if was_enabled:
            gc.enable()
    log.info("gazetteer: %d keys built in %.2f s", len(gazetteer), time.perf_counter() - started)
    return gazetteer
