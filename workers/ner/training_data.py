"""Generated training data for the starter NER and tokenizer models (Arabic and English).

No annotated corpus ships with the project, so the starter models learn from sentences built
here: reviewed word lists (``workers/ner/data/``), sentence shapes written for the project and
place names from the offline gazetteer. Everything is drawn from one seeded ``random.Random``,
so a seed gives byte-identical files.

Span conventions (those of Arabic NER corpora such as Wojood and ANERcorp):

* NER tags whole tokens, so a glued conjunction or preposition stays inside the span of the
  token it is glued to: ``واسرائيل`` and ``بمدينة القدس`` are single LOC spans.
* Arabic place descriptors (مدينة، قرية، محافظة، مخيم، العاصمة ...) belong inside the LOC span.
* Titles (الرئيس، الدكتور، Dr.) and nationality adjectives stay outside entities, except that a
  nationality adjective completing an organisation's name is part of it (الجيش اللبناني).
* English leading "the" is outside the span (CoNLL); English demonyms are MISC.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Final, Literal

Lang = Literal["ar", "en"]
LANGS: Final[tuple[Lang, ...]] = ("ar", "en")
#: Entity types the starter models learn (MISC only for English demonyms).
NER_TYPES: Final[tuple[str, ...]] = ("PER", "ORG", "LOC", "MISC")


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a generated sentence, with its BIO tag and whether a space precedes it."""

    text: str
    tag: str
    space_before: bool = True


@dataclass(frozen=True, slots=True)
class Sentence:
    """A generated sentence: the same tokens feed the NER trainer and, as text, the tokenizer's."""

    tokens: tuple[Token, ...]

    def text(self) -> str:
        """The sentence as raw text (the tokenizer's input)."""
        out: list[str] = []
        for i, tok in enumerate(self.tokens):
            if i and tok.space_before:
                out.append(" ")
            out.append(tok.text)
        return "".join(out)

    def tokenizer_labels(self) -> str:
        """Stanza's per-character labels for :meth:`text`: 1 ends a token, 2 ends the sentence."""
        out: list[str] = []
        last = len(self.tokens) - 1
        for i, tok in enumerate(self.tokens):
            if i and tok.space_before:
                out.append("0")
            out.append("0" * (len(tok.text) - 1) + ("2" if i == last else "1"))
        return "".join(out)


# --------------------------------------------------------------------------------------------
# Word lists


@cache
def _data_file(name: str) -> tuple[str, ...]:
    """Lines of ``data/<name>`` without comments and blanks."""
    text = files("workers.ner").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return tuple(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def _entries(name: str) -> tuple[str, ...]:
    """One entry a line, de-duplicated in file order."""
    return tuple(dict.fromkeys(_data_file(name)))


def _words(name: str) -> tuple[str, ...]:
    """Whitespace-separated words, de-duplicated in file order."""
    return tuple(dict.fromkeys(w for ln in _data_file(name) for w in ln.split()))


def _table(name: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(ln.split("\t")) for ln in _data_file(name))


_ARABIC_NAME = re.compile(r"^[\u0621-\u063A\u0641-\u064A]+(?: [\u0621-\u063A\u0641-\u064A]+){0,3}$")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'\-]+(?: [A-Z][A-Za-z'\-]+){0,3}$")


@dataclass(frozen=True, slots=True)
class Places:
    """Place names of one script, split into country-level units and towns."""

    countries: tuple[str, ...]
    cities: tuple[str, ...]  # the towns news names most: capitals, big cities, the Arab world


@cache
def gazetteer_places(lang: Lang) -> Places:
    """Place names in ``lang``'s script from the offline gazetteer, sorted for determinism."""
    from workers.gazetteer.sources import ARABIC_NAMING_COUNTRIES, load_sources

    src = load_sources()
    countries: set[str] = set()
    cities: set[str] = set()
    if lang == "en":
        # GeoNames' canonical names are English; its alternates and CLDR's other languages are not.
        for place in src.places.values():
            if not _LATIN_NAME.match(place.name):
                continue
            if place.kind in ("country", "continent", "admin1"):
                countries.add(place.name)
            elif place.population >= 100_000:
                cities.add(place.name)
        return Places(tuple(sorted(countries)), tuple(sorted(cities - countries)))
    for name, gid in [*src.names, *src.alternates]:
        name = name.strip()
        if not _ARABIC_NAME.match(name) or len(name) < 3:
            continue
        found = src.places.get(gid)
        if found is None:
            continue
        if found.kind in ("country", "continent", "admin1"):
            countries.add(name)
        elif found.population >= 500_000 or found.country_code in ARABIC_NAMING_COUNTRIES:
            cities.add(name)
    return Places(tuple(sorted(countries)), tuple(sorted(cities - countries)))


# --------------------------------------------------------------------------------------------
# Arabic


AR_PROCLITICS: Final = ("و", "ب", "ل", "ف", "وب", "ول", "لل", "ك")
AR_DIVINE: Final = (
    "الله", "الرحمن", "الرحيم", "العزيز", "الكريم", "الفتاح", "الحميد", "المجيد", "الناصر", "القادر",
    "السلام", "اللطيف", "الحكيم", "الرزاق", "الغني", "الحليم", "الوهاب", "الجبار", "العظيم", "الباسط",
    "الرؤوف", "المنعم", "الستار", "الحي", "القيوم", "الهادي",
)  # fmt: skip
AR_TITLES: Final = (
    "الرئيس", "رئيس الوزراء", "وزير الخارجية", "وزير الداخلية", "وزير المالية", "وزيرة الصحة",
    "الملك", "الأمير", "الشيخ", "السيد", "السيدة", "الدكتور", "الدكتورة", "د.", "الأستاذ",
    "الأستاذة", "المهندس", "المحامي", "الكاتب", "الكاتبة", "الشاعر", "الروائي", "الأديب",
    "المؤرخ", "الفنان", "الفنانة", "الصحفي", "الصحفية", "المراسل", "اللاعب", "المدرب",
    "القائد", "اللواء", "العميد", "العقيد", "الجنرال", "النائب", "القاضي", "المفتي", "المطران",
    "الإمام", "الحاج", "الشهيد", "الأسير", "الطفل", "الشاب", "المواطن", "الزعيم", "المناضل",
    "السفير", "المبعوث", "الأمين العام", "المستشار", "الباحث", "الناشط", "المخرج", "الممثل",
    "المطرب", "الفقيه", "العلامة", "البروفيسور", "الوزير", "المحافظ", "العمدة", "رئيس البلدية",
)  # fmt: skip
AR_LOC_DESCRIPTORS: Final = (
    "مدينة", "قرية", "بلدة", "محافظة", "مخيم", "منطقة", "قضاء", "لواء", "ولاية", "إقليم",
    "العاصمة", "مدينة", "قرية", "مخيم", "ناحية", "حي",
)  # fmt: skip
AR_COUNTRY_DESCRIPTORS: Final = ("دولة", "جمهورية", "مملكة", "سلطنة", "إمارة")
AR_REGIONS: Final = (
    "الضفة الغربية", "قطاع غزة", "الشرق الأوسط", "الخليج العربي", "شمال أفريقيا", "بلاد الشام",
    "الجليل", "النقب", "الأغوار", "سيناء", "كردستان", "دارفور", "الجولان", "المغرب العربي",
    "أوروبا", "آسيا", "أفريقيا", "أمريكا اللاتينية", "البلقان", "القوقاز", "الأندلس", "الحجاز",
    "نجد", "تهامة", "الساحل", "الريف", "الصعيد", "الدلتا", "الجزيرة العربية", "وادي عربة",
    "المملكة العربية السعودية", "المملكة الأردنية الهاشمية", "جمهورية مصر العربية",
    "الإمارات العربية المتحدة", "الولايات المتحدة الأمريكية", "المملكة المتحدة", "فلسطين",
    "الأراضي الفلسطينية", "القدس الشرقية", "البلدة القديمة", "الوطن العربي", "العالم العربي",
)  # fmt: skip
AR_MONTHS: Final = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
    "نوفمبر", "ديسمبر", "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب",
    "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
)  # fmt: skip
AR_HIJRI: Final = (
    "محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "رجب", "شعبان", "رمضان", "شوال", "ذو الحجة",
)  # fmt: skip
AR_DAYS: Final = ("السبت", "الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة")
AR_ORDINAL_DAYS: Final = ("الأول", "الثاني", "الثالث", "الخامس", "العاشر", "الخامس عشر", "العشرين")

# Organisation shapes: trigger nouns and what completes them. Gender matters for the adjective.
AR_MINISTRY_PORTFOLIOS: Final = (
    "الخارجية", "الداخلية", "الدفاع", "المالية", "الصحة", "التربية والتعليم", "التعليم العالي",
    "الزراعة", "الاقتصاد", "الاقتصاد الوطني", "العمل", "الإعلام", "الثقافة", "الأوقاف والشؤون الدينية",
    "العدل", "النقل والمواصلات", "السياحة والآثار", "الشؤون الاجتماعية", "الحكم المحلي",
    "الأشغال العامة والإسكان", "الطاقة", "الاتصالات", "الشباب والرياضة", "شؤون المرأة", "التخطيط",
    "الخارجية والمغتربين", "البيئة", "الصناعة والتجارة", "الري", "الأسرى", "الداخلية والأمن الوطني",
)  # fmt: skip
AR_DEF_MASC_TRIGGERS: Final = (
    "المجلس", "الاتحاد", "المؤتمر", "الحزب", "المكتب", "المركز", "الصندوق", "البنك", "الجهاز",
    "النادي", "المعهد", "الديوان", "التجمع", "التيار", "الائتلاف", "المجمع",
)  # fmt: skip
AR_DEF_FEM_TRIGGERS: Final = (
    "اللجنة", "الهيئة", "المنظمة", "الجمعية", "الحركة", "الجبهة", "المؤسسة", "النقابة", "الرابطة",
    "الشركة", "الوكالة", "المحكمة", "الحكومة", "السلطة", "الشرطة", "الغرفة", "الأكاديمية", "الإدارة",
)  # fmt: skip
AR_MASC_ADJ: Final = (
    "الوطني", "الإسلامي", "الأعلى", "العام", "المركزي", "الشعبي", "الديمقراطي", "التشريعي",
    "الاستشاري", "العربي", "الدولي", "الأهلي", "الثوري", "الاتحادي", "الاقتصادي", "الاجتماعي",
    "الثقافي", "القومي", "المحلي", "البلدي", "الموحد", "التنفيذي", "الأرثوذكسي", "الكاثوليكي",
    "الإنجيلي", "الطبي", "الزراعي", "التعاوني", "الرياضي", "العسكري", "الانتقالي", "الملكي",
)  # fmt: skip
AR_FEM_ADJ: Final = (
    "الوطنية", "الإسلامية", "العليا", "العامة", "المركزية", "الشعبية", "الديمقراطية",
    "التشريعية", "التنفيذية", "الاستشارية", "العربية", "الدولية", "الأهلية", "الخيرية",
    "المستقلة", "الموحدة", "الاتحادية", "المحلية", "الثقافية", "القومية", "الأرثوذكسية",
    "الطبية", "الزراعية", "التعاونية", "الرياضية", "العسكرية", "الانتخابية", "الملكية", "الشرعية",
)  # fmt: skip
AR_CONSTRUCT_ORGS: Final = {
    "مجلس": ("الأمن", "الوزراء", "النواب", "الشيوخ", "الشورى", "القضاء الأعلى", "الأمة", "الشعب",
             "الطلبة", "التعاون الخليجي", "الكنائس", "الإدارة", "الأعيان", "الدولة", "السلم والأمن"),
    "لجنة": ("الانتخابات المركزية", "المتابعة العليا", "حقوق الإنسان", "الطوارئ", "الإغاثة",
             "الدفاع عن الأراضي", "التحقيق الدولية", "الشؤون الخارجية", "التنسيق الفصائلي"),
    "هيئة": ("مكافحة الفساد", "شؤون الأسرى", "الإذاعة والتلفزيون", "كبار العلماء", "الأمم المتحدة",
             "الهلال الأحمر", "الأركان", "تحرير الشام", "الطاقة الذرية", "الاستثمار", "الأوقاف"),
    "منظمة": ("الأمم المتحدة", "التحرير الفلسطينية", "الصحة العالمية", "العفو الدولية",
              "التعاون الإسلامي", "العمل الدولية", "الأغذية والزراعة", "التجارة العالمية", "أوبك"),
    "اتحاد": ("الكتاب العرب", "العمال", "الطلبة", "المرأة", "كرة القدم", "الصحفيين العرب",
              "الغرف التجارية", "المصارف العربية", "المقاولين", "الفنانين", "الجمعيات الخيرية"),
    "نقابة": ("المحامين", "الأطباء", "الصحفيين", "المهندسين", "المعلمين", "الممرضين", "العاملين",
              "الصيادلة", "الفنانين", "المحاسبين"),
    "جمعية": ("الهلال الأحمر", "الشبان المسيحية", "الإغاثة الطبية", "أصدقاء المريض", "المقاصد الخيرية",
              "حماية المستهلك", "رعاية الأيتام", "الإصلاح الاجتماعي", "إنعاش الأسرة", "الدراسات العربية"),
    "مركز": ("الدراسات الاستراتيجية", "الأبحاث", "حقوق الإنسان", "الإحصاء", "المعلومات الوطني",
             "الميزان لحقوق الإنسان", "الدراسات الفلسطينية", "الأرشيف الوطني", "التخطيط"),
    "مؤسسة": ("الدراسات الفلسطينية", "التعاون", "الضمان الاجتماعي", "النقد العربي", "الملك حسين",
              "الإسكان", "الكهرباء", "المياه", "الموانئ", "البريد"),
    "صندوق": ("النقد الدولي", "الأمم المتحدة للسكان", "الاستثمار", "التنمية", "الزكاة", "الأمة"),
    "حركة": ("فتح", "حماس", "الجهاد الإسلامي", "أمل", "النهضة", "المقاومة الإسلامية",
             "التحرير الوطني الفلسطيني", "الشبيبة", "عدم الانحياز", "السلام الآن", "المبادرة الوطنية"),
    "حزب": ("الله", "البعث", "العمل", "الليكود", "الوفد", "الكتائب", "الاستقلال", "الأمة", "الشعب",
            "العدالة والتنمية", "الحرية والعدالة", "النور", "الدعوة", "المؤتمر الشعبي", "التحرير",
            "الشعب الجمهوري", "المحافظين", "العمال", "الخضر", "الشعب الفلسطيني"),
    "الجبهة": ("الشعبية لتحرير فلسطين", "الديمقراطية لتحرير فلسطين", "الوطنية للتحرير",
               "العربية الفلسطينية", "الإسلامية للإنقاذ", "الشعبية"),
    "محكمة": ("العدل الدولية", "الجنايات", "الاستئناف", "النقض", "العدل العليا", "التمييز",
              "أمن الدولة", "الصلح", "البداية", "الشريعة"),
    "غرفة": ("تجارة وصناعة", "التجارة", "الصناعة"),
    "كتائب": ("القسام", "شهداء الأقصى", "أبو علي مصطفى", "حزب الله"),
    "شركة": ("الكهرباء", "الاتصالات", "المياه", "الطيران", "النفط", "الإسمنت", "التأمين", "الاستثمار",
             "الملاحة", "التبغ", "الأدوية", "الغاز", "التطوير العقاري"),
    "بنك": ("فلسطين", "القاهرة", "الإسكان", "الاستثمار", "التنمية", "الاتحاد", "القدس", "الأردن",
            "الإسكان للتجارة والتمويل", "الكويت الوطني", "قطر الوطني", "المشرق", "مصر"),
}  # fmt: skip
AR_STANDALONE_ORGS: Final = (
    "الأمم المتحدة", "مجلس الأمن الدولي", "الجمعية العامة للأمم المتحدة", "الاتحاد الأوروبي",
    "الاتحاد الأفريقي", "جامعة الدول العربية", "الجامعة العربية", "حلف شمال الأطلسي", "الناتو",
    "اليونسكو", "اليونيسف", "الأونروا", "البنك الدولي", "صندوق النقد الدولي", "هيومن رايتس ووتش",
    "الصليب الأحمر", "اللجنة الدولية للصليب الأحمر", "مجلس التعاون الخليجي", "أوبك",
    "المحكمة الجنائية الدولية", "الكنيست", "الكونغرس", "الكونغرس الأمريكي", "البنتاغون",
    "الإنتربول", "الفيفا", "فتح", "حماس", "حزب الله", "الموساد", "الشاباك", "الحرس الثوري",
    "الأزهر", "الصليب الأحمر الدولي", "أطباء بلا حدود", "غوغل", "أبل", "مايكروسوفت", "أمازون",
    "فيسبوك", "تويتر", "سامسونغ", "تويوتا", "أرامكو", "نستله", "بوينغ", "إيرباص", "شل", "توتال",
    "الأهلي", "الزمالك", "الهلال", "النصر", "الوحدات", "الفيصلي", "ريال مدريد", "برشلونة",
    "الترجي", "الوداد", "الرجاء", "مانشستر يونايتد", "ليفربول", "يوفنتوس",
)  # fmt: skip
AR_MEDIA_TRIGGERS: Final = ("صحيفة", "جريدة", "مجلة", "قناة", "إذاعة", "موقع", "شبكة", "وكالة")
AR_MEDIA_NAMES: Final = (
    "الأيام", "الحياة", "الرأي", "الدستور", "الوطن", "الأهرام", "النهار", "الشروق", "الصباح",
    "الفجر", "الغد", "البيان", "الخليج", "الأخبار", "السفير", "المستقبل", "الحرية", "الثورة",
    "البعث", "الجمهورية", "الأنوار", "المساء", "العرب", "الوسط", "القبس", "الراية", "الشرق",
    "اليوم", "النور", "الكرمل", "فلسطين", "الدفاع", "الجزيرة", "العربية", "الميادين", "المنار",
    "الحدث", "رؤيا", "المملكة", "الحقيقة", "الأمة", "صوت فلسطين", "صوت العرب", "الشرق الأوسط",
    "القدس العربي", "العربي الجديد", "الأخبار اللبنانية", "الاتحاد", "عكاظ", "الرياض", "المدينة",
    "الوطن العربي", "المجلة", "الهلال", "المقتطف", "الرسالة", "الآداب", "الطليعة", "الهدف",
)  # fmt: skip
AR_FOREIGN_MEDIA: Final = (
    "رويترز", "فرانس برس", "أسوشيتد برس", "بي بي سي", "سي إن إن", "سكاي نيوز عربية", "دويتشه فيله",
    "واشنطن بوست", "نيويورك تايمز", "لوموند", "هآرتس", "يديعوت أحرونوت", "معاريف", "الغارديان",
    "التايمز", "وول ستريت جورنال", "فوكس نيوز", "روسيا اليوم", "الأناضول", "بلومبرغ",
)  # fmt: skip
AR_AGENCY_ACRONYMS: Final = ("وفا", "سانا", "بترا", "واس", "قنا", "وام", "كونا", "بنا", "معا", "صفا")
AR_UNIV_NAMES: Final = (
    "الأزهر", "الملك سعود", "الملك عبد العزيز", "اليرموك", "النجاح الوطنية", "القدس المفتوحة",
    "العلوم والتكنولوجيا", "الإسكندرية", "عين شمس", "السوربون", "أكسفورد", "كامبريدج", "هارفارد",
    "الإمام محمد بن سعود", "آل البيت", "مؤتة", "الزيتونة", "القرويين", "الكويت", "قطر", "دمشق",
)  # fmt: skip


AR_PLACE_ADJ_FEM: Final = (
    "المدمرة", "القديمة", "الحديثة", "الكبيرة", "الصغيرة", "الشمالية", "الجنوبية", "الشرقية",
    "الغربية", "المحتلة", "المهجرة", "الساحلية", "الفوقا", "التحتا",
)  # fmt: skip
AR_INITIALS: Final = ("ج", "ف", "ك", "م", "ر", "س", "د", "ل", "ت", "ب")
AR_PLACE_ADJ_MASC: Final = ("القديم", "الجديد", "الكبير", "الشمالي", "الجنوبي", "الشرقي", "الغربي", "المحتل")
#: "for ..." complements that end many organisations' names (المركز الفلسطيني لحقوق الإنسان).
AR_ORG_PURPOSES: Final = (
    "لحقوق الإنسان", "للدراسات", "للأبحاث", "للاجئين", "للتنمية", "للثقافة والفنون", "للإعلام",
    "للتوثيق", "للتراث", "للديمقراطية", "للسلام", "للتعليم", "لشؤون المرأة", "للطفولة", "للإغاثة",
    "للتدريب", "للتأمين", "للاستثمار", "لمكافحة الفساد", "لحماية البيئة", "للعلوم والتكنولوجيا",
    "للدراسات الاستراتيجية", "للأمومة والطفولة", "للتنمية الاجتماعية", "للمسرح", "للموسيقى",
    "للإسكان", "للتخطيط", "للدفاع عن الحريات", "للتأهيل", "لرعاية المسنين", "للكتاب",
)  # fmt: skip

#: Suffixes (pronouns, plurals, nisba) that turn one ordinary word into forms a model has not seen.
AR_SUFFIXES: Final = ("ها", "هم", "هما", "نا", "ه", "كم", "ات", "ون", "ين", "ية", "ي", "تها", "تهم", "يات")


def _ar_inflect(word: str, rng: random.Random) -> str:
    """An inflected form of an ordinary Arabic word (drop the article, add a suffix); may be rare."""
    if len(word) < 3 or not ("\u0621" <= word[-1] <= "\u064a"):
        return word
    stem = word[2:] if word.startswith("ال") and len(word) > 4 else word
    if stem.endswith("ة"):
        stem = stem[:-1] + "ت"
    elif stem.endswith(("ا", "ى")):
        stem = stem[:-1]
    return stem + AR_SUFFIXES[rng.randrange(len(AR_SUFFIXES))]


def _ar_glue(prefix: str, word: str) -> str:
    """Glue an Arabic proclitic: ل before ال drops the alef (للقدس، وللجيش), others are prefixed."""
    if not prefix:
        return word
    if prefix == "لل":  # only meaningful before ال; elsewhere it is plain ل
        prefix = "ل"
    if prefix.endswith("ل") and word.startswith("ال"):
        return prefix + word[1:]
    return prefix + word


class _Arabic:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.male = _entries("ar_given_male.txt")
        self.female = _entries("ar_given_female.txt")
        self.family = _entries("ar_family.txt")
        self.foreign = _table("ar_foreign_names.txt")
        nat = _table("ar_nationalities.txt")
        self.nat_m = tuple(r[1] for r in nat)
        self.nat_f = tuple(r[2] for r in nat)
        places = gazetteer_places("ar")
        self.countries = places.countries
        self.cities = places.cities
        self.regions = AR_REGIONS

    def pick(self, seq: Sequence[str]) -> str:
        return seq[self.rng.randrange(len(seq))]

    # each returns words (split on spaces later)
    def family_name(self) -> str:
        """A surname; some are compounds with أبو whose second word is any name (أبو + نسب)."""
        if self.rng.random() < 0.12:
            return f"{self.pick(('أبو', 'ابو'))} {self.pick(self.male + self.family)}"
        return self.pick(self.family)

    def person(self) -> str:
        r = self.rng.random()
        pick = self.pick
        given = pick(self.male) if self.rng.random() < 0.75 else pick(self.female)
        if r < 0.30:
            return f"{given} {self.family_name()}"
        if r < 0.45:
            return f"{given} {pick(self.male)} {self.family_name()}"
        if r < 0.52:
            return f"{given} {pick(self.male)} {pick(self.male)} {self.family_name()}"
        if r < 0.60:
            return given
        if r < 0.66:
            return pick(self.family)
        if r < 0.72:
            row = self.foreign[self.rng.randrange(len(self.foreign))]
            if len(row) == 2 and self.rng.random() < 0.15:  # a middle initial: جون ف . كينيدي
                return f"{row[0]} {self.pick(AR_INITIALS)} . {row[1]}"
            return " ".join(row)
        if r < 0.77:
            return self.foreign[self.rng.randrange(len(self.foreign))][-1]
        if r < 0.85:
            abd = "عبد" + ("" if self.rng.random() < 0.15 else " ") + pick(AR_DIVINE)
            return abd if self.rng.random() < 0.3 else f"{abd} {pick(self.family)}"
        if r < 0.91:
            kunya = "أبو" if self.rng.random() < 0.85 else "أم"
            return f"{kunya} {pick(self.male)}" + (f" {pick(self.family)}" if self.rng.random() < 0.3 else "")
        return f"{pick(self.male)} بن {pick(self.male)}" + (
            f" {pick(self.family)}" if self.rng.random() < 0.4 else ""
        )

    def country(self) -> str:
        name = self.pick(self.countries)
        if self.rng.random() < 0.06:
            return f"{self.pick(AR_COUNTRY_DESCRIPTORS)} {name}"
        return name

    def city(self) -> str:
        name = self.pick(self.cities)
        if self.rng.random() >= 0.35:
            return name
        descriptor = self.pick(AR_LOC_DESCRIPTORS)
        r = self.rng.random()
        if r < 0.05:  # a descriptor's adjective is part of the place's name (قرية ... المدمرة)
            adj = self.pick(AR_PLACE_ADJ_FEM if descriptor[-1] == "ة" else AR_PLACE_ADJ_MASC)
            return f"{descriptor} {name} {adj}"
        if r < 0.17 and descriptor == "مخيم":
            return f"مخيم {name} للاجئين" + (" الفلسطينيين" if self.rng.random() < 0.5 else "")
        return f"{descriptor} {name}"

    def location(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            return self.country()
        if r < 0.85:
            return self.city()
        return self.pick(self.regions)

    def media(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return f"{self.pick(AR_MEDIA_TRIGGERS[:6])} {self.pick(AR_MEDIA_NAMES)}"
        if r < 0.7:
            return f"وكالة الأنباء {self.pick(self.nat_f)}" + (
                f" {self.pick(AR_AGENCY_ACRONYMS)}" if self.rng.random() < 0.2 else ""
            )
        if r < 0.85:
            trig = self.pick(("وكالة", "صحيفة", "شبكة", "قناة", "موقع"))
            return f"{trig} {self.pick(AR_FOREIGN_MEDIA)}"
        if r < 0.93:
            return self.pick(AR_FOREIGN_MEDIA)
        return f"وكالة {self.pick(AR_AGENCY_ACRONYMS)}"

    def government(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            base = f"وزارة {self.pick(AR_MINISTRY_PORTFOLIOS)}"
            return base + (f" {self.pick(self.nat_f)}" if self.rng.random() < 0.4 else "")
        if r < 0.65:
            return f"الحكومة {self.pick(self.nat_f)}"
        if r < 0.8:
            return f"بلدية {self.pick(self.cities)}"
        if r < 0.9:
            return self.pick(("السلطة الفلسطينية", "الرئاسة الفلسطينية", "مجلس الوزراء", "رئاسة الجمهورية",
                              "الديوان الملكي", "المجلس التشريعي", "مجلس النواب", "البرلمان"))  # fmt: skip
        return f"{self.pick(('البرلمان', 'الجيش', 'الديوان الملكي', 'الأمن'))} {self.pick(self.nat_m)}"

    def party(self) -> str:
        trig = self.pick(("حركة", "حزب", "الجبهة"))
        name = f"{trig} {self.pick(AR_CONSTRUCT_ORGS[trig])}"
        return name

    def university(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return f"جامعة {self.pick(self.cities)}"
        if r < 0.75:
            return f"جامعة {self.pick(AR_UNIV_NAMES)}"
        if r < 0.9:
            return f"الجامعة {self.pick(self.nat_f)}"
        kind = self.pick(("للعلوم", "التقني", "الجامعية"))
        return f"{self.pick(('كلية', 'معهد'))} {self.pick(self.cities)} {kind}"

    def company(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            base = f"شركة {self.pick(AR_CONSTRUCT_ORGS['شركة'])}"
            return base + (f" {self.pick(self.nat_f)}" if self.rng.random() < 0.5 else "")
        if r < 0.55:
            return f"بنك {self.pick(AR_CONSTRUCT_ORGS['بنك'])}"
        if r < 0.7:
            kind = self.pick(("المركزي", "العربي", "الأهلي", "الإسلامي", "الوطني"))
            return f"البنك {kind} {self.pick(self.nat_m)}"
        if r < 0.85:
            return self.pick(AR_STANDALONE_ORGS[-30:-14])
        return f"{self.pick(('مجموعة', 'شركة', 'مؤسسة'))} {self.pick(self.family)}"

    def organisation(self) -> str:
        r = self.rng.random()
        if r < 0.12:
            return self.government()
        if r < 0.2:
            return self.media()
        if r < 0.28:
            return self.university()
        if r < 0.34:
            return self.company()
        if r < 0.45:
            return self.pick(AR_STANDALONE_ORGS)
        if r < 0.7:
            trig = self.pick(tuple(AR_CONSTRUCT_ORGS))
            base = f"{trig} {self.pick(AR_CONSTRUCT_ORGS[trig])}"
            if trig not in ("حزب", "حركة", "كتائب", "الجبهة") and self.rng.random() < 0.35:
                fem = trig in ("لجنة", "هيئة", "منظمة", "نقابة", "جمعية", "مؤسسة", "محكمة", "غرفة", "شركة")
                base += " " + self.pick(self.nat_f if fem else self.nat_m)
            return base
        if r < 0.77:
            # trigger + adjective + purpose: المركز الوطني للدراسات، الجمعية الخيرية للإغاثة
            if self.rng.random() < 0.5:
                words = [self.pick(AR_DEF_MASC_TRIGGERS), self.pick(AR_MASC_ADJ + self.nat_m)]
            else:
                words = [self.pick(AR_DEF_FEM_TRIGGERS), self.pick(AR_FEM_ADJ + self.nat_f)]
            if self.rng.random() < 0.3:
                words = [words[0].removeprefix("ال"), self.pick(self.cities)]  # مركز <اسم> للدراسات
            return " ".join([*words, self.pick(AR_ORG_PURPOSES)])
        if r < 0.88:
            adjs: Sequence[str]
            if self.rng.random() < 0.5:
                trig, adjs, nats = self.pick(AR_DEF_MASC_TRIGGERS), AR_MASC_ADJ, self.nat_m
            else:
                trig, adjs, nats = self.pick(AR_DEF_FEM_TRIGGERS), AR_FEM_ADJ, self.nat_f
            words = [trig, self.pick(adjs)]
            if self.rng.random() < 0.3:
                words.append(self.pick(adjs))
            if self.rng.random() < 0.45:
                words.append(self.pick(nats))
            return " ".join(dict.fromkeys(words))
        if r < 0.94:
            force = self.pick(("الجيش", "الأمن العام", "جهاز المخابرات", "الدفاع المدني"))
            return f"{force} {self.pick(self.nat_m)}"
        body = self.pick(("الشرطة", "القوات المسلحة", "الحكومة", "الرئاسة", "السفارة", "السلطات"))
        return f"{body} {self.pick(self.nat_f)}"

    def title(self) -> str:
        return self.pick(AR_TITLES)

    def date(self) -> str:
        rng = self.rng
        y = rng.randint(1850, 2030)
        r = rng.random()
        if r < 0.35:
            sep = self.pick((" / ", "/", "-", " - "))
            return sep.join(str(x) for x in (rng.randint(1, 31), rng.randint(1, 12), y))
        if r < 0.7:
            return f"{rng.randint(1, 31)} {self.pick(AR_MONTHS)} {y}"
        if r < 0.85:
            return f"{self.pick(AR_ORDINAL_DAYS)} من {self.pick(AR_MONTHS)}"
        return f"{rng.randint(1, 29)} {self.pick(AR_HIJRI)} {rng.randint(1300, 1450)} هـ"


# --------------------------------------------------------------------------------------------
# English


EN_OPENERS: Final = (
    "But", "However,", "This", "They", "There", "While", "As a result,", "Some", "When asked,", "It's",
    "Meanwhile,", "Also,", "Both", "Those", "Others", "Yet", "Although", "Then", "Why", "Using", "His",
    "Her", "Its", "Still,", "Earlier,", "Later,", "In addition,", "Last week,", "On Monday,", "So",
    "Now", "Today,", "In a statement,", "According to officials,", "That", "These", "We", "He", "She",
)  # fmt: skip
EN_TITLES: Final = (
    "President", "Prime Minister", "Foreign Minister", "Minister", "King", "Queen", "Prince", "Sheikh",
    "Mr.", "Mrs.", "Ms.", "Dr.", "Professor", "General", "Colonel", "Senator", "Governor", "Mayor",
    "Judge", "Secretary-General", "Ambassador", "Pope", "Chancellor", "Sir", "Lord", "Captain",
)  # fmt: skip
EN_NATS: Final = (
    "Palestinian", "Israeli", "Jordanian", "Egyptian", "Syrian", "Lebanese", "Iraqi", "Saudi", "Qatari",
    "Kuwaiti", "Emirati", "Yemeni", "Libyan", "Tunisian", "Algerian", "Moroccan", "Sudanese", "Turkish",
    "Iranian", "American", "British", "French", "German", "Russian", "Chinese", "Japanese", "Indian",
    "Pakistani", "Afghan", "Italian", "Spanish", "Greek", "Ukrainian", "Canadian", "Brazilian",
    "Mexican", "Australian", "Kenyan", "Nigerian", "Ethiopian", "Somali", "Arab", "European",
)  # fmt: skip
EN_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip
EN_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_REGIONS: Final = (
    "Gaza", "the West Bank", "the Gaza Strip", "the Middle East", "the Gulf", "North Africa", "Europe",
    "Asia", "Africa", "Latin America", "the Balkans", "the Caucasus", "Sinai", "Kurdistan", "Darfur",
    "the Golan Heights", "East Jerusalem", "Scandinavia", "Siberia", "California", "Texas", "Florida",
    "Bavaria", "Catalonia", "Scotland", "Wales", "Kashmir", "Punjab", "Crimea", "Donbas", "Tigray",
)  # fmt: skip
EN_MINISTRIES: Final = (
    "Health", "Defence", "Defense", "Foreign Affairs", "the Interior", "Finance", "Education", "Justice",
    "Agriculture", "Labour", "Energy", "Transport", "Culture", "Tourism", "Economy", "Housing",
)  # fmt: skip
EN_ORGS: Final = (
    "NATO", "UN", "EU", "WHO", "IMF", "UNICEF", "UNESCO", "UNRWA", "OPEC", "FIFA", "BBC", "CNN",
    "Reuters", "AFP", "Interpol", "Hamas", "Fatah", "Hezbollah", "Amnesty International",
    "Human Rights Watch", "Greenpeace", "Oxfam", "Apple", "Google", "Microsoft", "Amazon", "Meta",
    "Toyota", "Shell", "BP", "Boeing", "Airbus", "Samsung", "Tesla", "Nestle", "Aramco", "Pfizer",
    "Real Madrid", "Barcelona", "Manchester United", "Liverpool", "Juventus", "Al Ahly", "Congress",
    "the Pentagon", "the Kremlin", "Al Jazeera", "Al-Azhar", "the Knesset", "Mossad", "Goldman Sachs",
)  # fmt: skip
EN_THE_ORGS: Final = (
    "United Nations", "European Union", "African Union", "Arab League", "World Bank", "Red Cross",
    "Red Crescent", "International Monetary Fund", "Security Council", "World Health Organization",
    "International Criminal Court", "Muslim Brotherhood", "Taliban", "Associated Press",
    "Federal Reserve", "Supreme Court", "Palestinian Authority", "Islamic State",
)  # fmt: skip
EN_ORG_SUFFIXES: Final = (
    "Group", "Bank", "Holdings", "Corporation", "Inc.", "Ltd", "Airways", "Energy", "Motors",
)  # fmt: skip
EN_MEDIA: Final = (
    "Reuters", "AFP", "the BBC", "CNN", "Al Jazeera", "the Associated Press", "Bloomberg",
    "The New York Times", "the Washington Post", "Sky News",
)  # fmt: skip
EN_DEPARTMENTS: Final = ("Department of State", "Home Office", "Foreign Office", "Treasury", "Cabinet")
EN_PAPERS: Final = ("Times", "Post", "Herald", "Tribune", "Guardian", "Gazette", "Chronicle", "Observer")
EN_PARTY_NAMES: Final = (
    "Labour", "Conservative", "Democratic", "Republican", "Liberal Democrat", "Green", "Socialist",
    "Likud", "Baath", "Justice and Development", "National", "People's", "Communist",
)  # fmt: skip


class _English:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.first = _words("en_first.txt")
        self.last = _words("en_last.txt")
        places = gazetteer_places("en")
        self.countries = places.countries
        self.cities = places.cities

    def pick(self, seq: Sequence[str]) -> str:
        return seq[self.rng.randrange(len(seq))]

    def person(self) -> str:
        r = self.rng.random()
        if r < 0.6:
            return f"{self.pick(self.first)} {self.pick(self.last)}"
        if r < 0.7:
            return f"{self.pick(self.first)} {chr(65 + self.rng.randrange(26))}. {self.pick(self.last)}"
        if r < 0.85:
            return self.pick(self.last)
        return self.pick(self.first)

    def country(self) -> str:
        return self.pick(self.countries)

    def city(self) -> str:
        return self.pick(self.cities)

    def location(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return self.country()
        if r < 0.85:
            return self.city()
        return self.pick(EN_REGIONS)

    def media(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return f"the {self.pick(self.cities)} {self.pick(EN_PAPERS)}"
        if r < 0.8:
            return self.pick(EN_MEDIA)
        return f"{self.pick(EN_NATS)} state television"

    def government(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return f"the Ministry of {self.pick(EN_MINISTRIES)}"
        if r < 0.75:
            return f"the {self.pick(EN_NATS)} Ministry of {self.pick(EN_MINISTRIES)}"
        return "the " + self.pick(EN_DEPARTMENTS)

    def party(self) -> str:
        return f"the {self.pick(EN_PARTY_NAMES)} Party"

    def university(self) -> str:
        if self.rng.random() < 0.5:
            return f"the University of {self.pick(self.cities)}"
        return f"{self.pick(self.cities)} University"

    def company(self) -> str:
        if self.rng.random() < 0.5:
            return f"{self.pick(self.last)} {self.pick(EN_ORG_SUFFIXES)}"
        return self.pick(EN_ORGS[22:42])

    def organisation(self) -> str:
        r = self.rng.random()
        if r < 0.15:
            return self.government()
        if r < 0.25:
            return self.media()
        if r < 0.35:
            return self.university()
        if r < 0.45:
            return self.company()
        if r < 0.55:
            return self.party()
        if r < 0.8:
            return self.pick(EN_ORGS)
        return f"the {self.pick(EN_THE_ORGS)}"

    def title(self) -> str:
        return self.pick(EN_TITLES)

    def date(self) -> str:
        r = self.rng.random()
        y = self.rng.randint(1900, 2030)
        if r < 0.5:
            return f"{self.rng.randint(1, 28)} {self.pick(EN_MONTHS)} {y}"
        if r < 0.8:
            return f"{self.pick(EN_MONTHS)} {self.rng.randint(1, 28)}, {y}"
        return f"{self.rng.randint(1, 12)}/{self.rng.randint(1, 28)}/{y}"


# --------------------------------------------------------------------------------------------
# Shapes -> sentences


_SLOT = re.compile(r"([\u0621-\u064A\u0640]{0,3})\{([A-Z_]+)\}")
_ABBREVIATION = r"(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Inc|Ltd|Co|Gen|Col|Lt|Sgt|Prof|Rev|No|vs|U\.S|U\.N|U\.K|[A-Z]|د)\."
_LETTERS = r"[\w\u064B-\u065F\u0670]"
_PIECE = re.compile(
    rf"\{{[A-Z_]+\}}|\d+(?:[.,:/]\d+)*%?|{_ABBREVIATION}|'s\b|{_LETTERS}+(?:[-'’]{_LETTERS}+)*|\S"
)
#: Punctuation glued to the word before it / the word after it in ordinary (unspaced) text.
_CLOSERS = frozenset([*",.;:!?)]}»”،؛؟…%", "'s"])
_OPENERS = frozenset("([{«“")
#: How quotation marks are written (opening, closing), chosen per sentence.
_QUOTE_STYLES: Final = (('"', '"'), ('"', '"'), ("“", "”"), ("«", "»"))
_ENTITY_SLOTS: Final = {
    "PER": ("PER", "person"),
    "LOC": ("LOC", "location"),
    "CITY": ("LOC", "city"),
    "COUNTRY": ("LOC", "country"),
    "ORG": ("ORG", "organisation"),
    "MEDIA": ("ORG", "media"),
    "GOV": ("ORG", "government"),
    "PARTY": ("ORG", "party"),
    "UNIV": ("ORG", "university"),
    "COMPANY": ("ORG", "company"),
}
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _split_pieces(text: str) -> list[str]:
    return _PIECE.findall(text)


class Generator:
    """Builds sentences for one language from its shapes, word lists and the gazetteer."""

    def __init__(self, lang: Lang, seed: int) -> None:
        self.lang = lang
        # Seeded for reproducible data, not for secrecy.
        self.rng = random.Random(f"khabar-ner-{lang}-{seed}")  # noqa: S311
        self.lex: _Arabic | _English = _Arabic(self.rng) if lang == "ar" else _English(self.rng)
        self.shapes = _entries(f"{lang}_templates.txt")
        self.plain = _entries(f"{lang}_plain.txt")
        vocab: dict[str, None] = {}
        for line in (*self.shapes, *self.plain):
            for piece in _split_pieces(_SLOT.sub(" ", line)):
                if piece[0].isalpha():
                    vocab[piece] = None
        extra = _words("ar_common_words.txt") if lang == "ar" else ()
        self.filler_words = tuple(dict.fromkeys((*vocab, *extra)))
        self.definite_words = tuple(w for w in self.filler_words if w.startswith("ال")) or self.filler_words

    # -- slot fillers ---------------------------------------------------------------------
    def _entity(self, slot: str) -> tuple[str, str]:
        label, method = _ENTITY_SLOTS[slot]
        text: str = getattr(self.lex, method)()
        return label, text

    def _plain_slot(self, slot: str) -> str:
        rng, lex = self.rng, self.lex
        if slot == "NUM":
            n = str(rng.choice((rng.randint(2, 20), rng.randint(10, 999), rng.randint(1000, 90000))))
            return n.translate(_ARABIC_DIGITS) if self.lang == "ar" and rng.random() < 0.1 else n
        if slot == "YEAR":
            return str(rng.randint(1850, 2030))
        if slot == "DATE":
            return lex.date()
        if slot == "MONTH":
            return lex.pick(AR_MONTHS if self.lang == "ar" else EN_MONTHS)
        if slot in ("DAY", "HIJRI"):
            return lex.pick(AR_DAYS if self.lang == "ar" else EN_DAYS)
        if slot == "TITLE":
            title = lex.title()
            if self.lang == "ar" and self.rng.random() < 0.1:
                title = _ar_glue(lex.pick(AR_PROCLITICS[:4]), title)
            return title
        if slot in ("NAT", "NAT_M", "NAT_F"):
            if isinstance(lex, _Arabic):
                return lex.pick(lex.nat_f if slot == "NAT_F" else lex.nat_m)
            return lex.pick(EN_NATS)
        raise ValueError(f"unknown slot {{{slot}}}")

    # -- building -------------------------------------------------------------------------
    def _from_shape(self, shape: str) -> list[tuple[str, str]]:
        """(token, tag) pairs of one shape with its slots filled."""
        out: list[tuple[str, str]] = []
        pos = 0
        for m in _SLOT.finditer(shape):
            out.extend((p, "O") for p in _split_pieces(shape[pos : m.start()]))
            prefix, slot = m.group(1), m.group(2)
            if slot in _ENTITY_SLOTS:
                if out and self.rng.random() < 0.08:
                    out.extend((w, "O") for w in self._filler_words(self.rng.randint(1, 2)))
                label, text = self._entity(slot)
                words = text.split()
                if self.lang == "ar" and not prefix and self.rng.random() < 0.04:
                    prefix = self.lex.pick(AR_PROCLITICS[:2])  # stray glued و/ب, as in running text
                words[0] = _ar_glue(prefix, words[0]) if prefix else words[0]
                if self.lang == "en" and words[0] == "the":
                    out.append(("the" if out and out[-1][0] not in ".:" else "The", "O"))
                    words = words[1:]
                out.extend((w, ("B-" if i == 0 else "I-") + label) for i, w in enumerate(words))
                if self.rng.random() < 0.25:
                    # An ordinary word right after a name: where a name ends is the hard part.
                    out.extend((w, "O") for w in self._filler_words(self.rng.randint(1, 2), definite=0.5))
            else:
                value = self._plain_slot(slot)
                pieces = _split_pieces(value)
                if prefix:
                    pieces[0] = prefix + pieces[0]
                out.extend((p, "O") for p in pieces)
            pos = m.end()
        out.extend((p, "O") for p in _split_pieces(shape[pos:]))
        if self.lang == "en":
            out = [(w, "B-MISC" if t == "O" and w in EN_NATS else t) for w, t in out]
        return out

    def _filler_words(self, n: int, definite: float = 0.0) -> list[str]:
        """``n`` ordinary words; Arabic ones often inflected or glued, so never-seen forms are common."""
        out: list[str] = []
        for _ in range(n):
            if self.lang == "ar" and self.rng.random() < definite:
                w = self.lex.pick(self.definite_words)
            else:
                w = self.lex.pick(self.filler_words)
            if self.lang == "ar":
                if self.rng.random() < 0.3:
                    w = _ar_inflect(w, self.rng)
                if self.rng.random() < 0.12:
                    w = _ar_glue(self.lex.pick(AR_PROCLITICS), w)
            out.append(w)
        return out

    def _noun_phrase(self) -> list[str]:
        """Definite noun + definite adjective(s) that are not a name: the look-alikes of ORG names."""
        assert isinstance(self.lex, _Arabic)
        noun = self.lex.pick(self.definite_words)
        adjs = AR_MASC_ADJ + AR_FEM_ADJ + self.lex.nat_m + self.lex.nat_f + AR_PLACE_ADJ_FEM
        words = [noun, self.lex.pick(adjs)]
        if self.rng.random() < 0.25:
            words.append(self.lex.pick(adjs))
        return words

    def _random_filler(self) -> list[tuple[str, str]]:
        """A run of ordinary words: teaches that a word the model has not seen need not be a name."""
        pairs = [(w, "O") for w in self._filler_words(self.rng.randint(4, 16))]
        if self.lang == "ar" and self.rng.random() < 0.5:
            # a definite noun and adjective that name nothing (النسيج الاجتماعي)
            at = self.rng.randrange(len(pairs) + 1)
            pairs[at:at] = [(w, "O") for w in self._noun_phrase()]
        # At most one name in a run of unrelated words: with more, a name would need no context at all.
        for _ in range(1 if self.rng.random() < 0.4 else 0):
            slot = self.lex.pick(("PER", "LOC", "ORG", "CITY", "COUNTRY"))
            label, text = self._entity(slot)
            # insert between names, never inside one
            free = [i for i in range(len(pairs) + 1) if i == len(pairs) or pairs[i][1][:2] != "I-"]
            at = self.rng.choice(free)
            ent = [(w, ("B-" if i == 0 else "I-") + label) for i, w in enumerate(text.split())]
            pairs[at:at] = ent
        pairs.append((self.lex.pick((".", ".", "،", "؟", ":")) if self.lang == "ar" else ".", "O"))
        return pairs

    def _noise(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Spelling variation seen in real Arabic text: no hamza on alef, tanween, tatweel, diacritics."""
        if self.lang != "ar":
            return pairs
        rng = self.rng
        drop_hamza = rng.random() < 0.25
        ta_marbuta_ha = rng.random() < 0.05
        out: list[tuple[str, str]] = []
        for w, t in pairs:
            if drop_hamza:
                w = w.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
            if ta_marbuta_ha and w.endswith("ة"):
                w = w[:-1] + "ه"
            if t == "O" and len(w) > 3 and w.endswith("ا") and rng.random() < 0.3:
                w += "ً"
            if len(w) > 3 and rng.random() < 0.008:
                i = rng.randrange(1, len(w) - 1)
                w = w[:i] + "ـ" + w[i:]
            if len(w) > 2 and rng.random() < 0.01:
                i = rng.randrange(1, len(w))
                w = w[:i] + rng.choice("ًٌٍَُِّْ") + w[i:]
            out.append((w, t))
        return out

    def _render(self, pairs: list[tuple[str, str]]) -> Sentence:
        """Choose spacing: ordinary text glues punctuation to words, some corpora space it out."""
        spaced = self.rng.random() < (0.5 if self.lang == "ar" else 0.1)
        opening, closing = self.rng.choice(_QUOTE_STYLES)
        tokens: list[Token] = []
        quote_open = False
        glue_next = False
        for w, t in pairs:
            space = not glue_next
            glue_next = False
            is_quote = w == '"'
            if is_quote:
                w = closing if quote_open else opening
                quote_open = not quote_open
            if not spaced:
                if is_quote:
                    if quote_open:  # just opened
                        glue_next = True
                    else:
                        space = False
                elif w in _CLOSERS:
                    space = False
                elif w in _OPENERS:
                    glue_next = True
            tokens.append(Token(w, t, space))
        return Sentence(tuple(tokens))

    def sentence(self) -> Sentence:
        """One sentence: a shape (most), an entity-free sentence, or a run of filler words."""
        r = self.rng.random()
        if r < 0.6:
            pairs = self._from_shape(self.lex.pick(self.shapes))
        elif r < 0.78:
            pairs = [(p, "O") for p in _split_pieces(self.lex.pick(self.plain))]
        else:
            pairs = self._random_filler()
        if self.lang == "en":
            pairs = self._english_opening(pairs)
        return self._render(self._noise(pairs))

    def _english_opening(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Capitalised sentence openers that are not names ("But", "However,", "This"), since
        English shapes start with a name so often that a capital at the start would mean one."""
        if pairs and pairs[0][1] == "O" and self.rng.random() < 0.5:
            pairs = [(pairs[0][0][:1].upper() + pairs[0][0][1:], "O"), *pairs[1:]]
        if not pairs or self.rng.random() >= 0.3:
            return pairs
        opener = _split_pieces(self.lex.pick(EN_OPENERS))
        first, tag = pairs[0]
        if tag == "O" and first[:1].isupper() and first not in ("I", *EN_NATS) and not first.isupper():
            pairs = [(first[:1].lower() + first[1:], tag), *pairs[1:]]
        return [(w, "O") for w in opener] + pairs

    def sentences(self, n: int) -> list[Sentence]:
        """``n`` sentences, the same for the same language and seed."""
        return [self.sentence() for _ in range(n)]


# --------------------------------------------------------------------------------------------
# Files in Stanza's formats


def check_bio(tags: Sequence[str]) -> None:
    """Raise ``ValueError`` unless every I-X follows a B-X or I-X of the same type."""
    prev = "O"
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            raise ValueError(f"tag {i} {tag!r} follows {prev!r}")
        if tag != "O" and not (tag[:2] in ("B-", "I-") and tag[2:] in NER_TYPES):
            raise ValueError(f"unknown tag {tag!r}")
        prev = tag


def ner_json(sentences: Iterable[Sentence]) -> str:
    """Stanza's NER training format: a JSON list of sentences, each a list of {text, ner}."""
    docs = [[{"text": t.text, "ner": t.tag} for t in s.tokens] for s in sentences]
    return json.dumps(docs, ensure_ascii=False, indent=0)


def tokenizer_files(sentences: Sequence[Sentence], rng: random.Random) -> tuple[str, str]:
    """(text, labels) for Stanza's tokenizer trainer: paragraphs of 1-6 sentences, blank-line separated."""
    texts: list[str] = []
    labels: list[str] = []
    i = 0
    while i < len(sentences):
        k = rng.randint(1, 6)
        para_t: list[str] = []
        para_l: list[str] = []
        for s in sentences[i : i + k]:
            if para_t:
                sep = "\n" if rng.random() < 0.15 else " "
                para_t.append(sep)
                para_l.append("0")
            para_t.append(s.text())
            para_l.append(s.tokenizer_labels())
        texts.append("".join(para_t))
        labels.append("".join(para_l))
        i += k
    return "\n\n".join(texts) + "\n", "\n\n".join(labels) + "\n"


@dataclass(frozen=True, slots=True)
class Corpus:
    """Training and dev sentences of one language."""

    train: list[Sentence]
    dev: list[Sentence]


def generate(lang: Lang, seed: int, n_train: int, n_dev: int) -> Corpus:
    """Train and dev sentences for ``lang``; the dev sentences come from their own stream."""
    train = Generator(lang, seed).sentences(n_train)
    dev = Generator(lang, seed + 1_000_003).sentences(n_dev)
    for s in (*train, *dev):
        check_bio([t.tag for t in s.tokens])
    return Corpus(train, dev)


@dataclass(frozen=True, slots=True)
class WrittenData:
    """Where :func:`write_corpus` put each file, and the SHA-256 over all of them."""

    ner_train: Path
    ner_dev: Path
    tok_train_txt: Path
    tok_train_labels: Path
    tok_dev_txt: Path
    tok_dev_labels: Path
    mwt_json: Path
    sha256: str


def write_corpus(corpus: Corpus, out_dir: Path, seed: int) -> WrittenData:
    """Write the corpus in Stanza's NER and tokenizer formats; the hash covers every file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"khabar-tok-{seed}")  # noqa: S311
    tok_train = tokenizer_files(corpus.train, rng)
    tok_dev = tokenizer_files(corpus.dev, rng)
    contents = {
        "ner.train.json": ner_json(corpus.train),
        "ner.dev.json": ner_json(corpus.dev),
        "tok.train.txt": tok_train[0],
        "tok.train.labels": tok_train[1],
        "tok.dev.txt": tok_dev[0],
        "tok.dev.labels": tok_dev[1],
        "mwt.json": "[]\n",  # the starter tokenizers have no multi-word tokens
    }
    digest = hashlib.sha256()
    for name, text in contents.items():
        (out_dir / name).write_text(text, encoding="utf-8")
        digest.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    p: Callable[[str], Path] = out_dir.joinpath
    return WrittenData(
        p("ner.train.json"),
        p("ner.dev.json"),
        p("tok.train.txt"),
        p("tok.train.labels"),
        p("tok.dev.txt"),
        p("tok.dev.labels"),
        p("mwt.json"),
        digest.hexdigest(),
    )
