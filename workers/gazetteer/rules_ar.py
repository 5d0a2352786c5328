"""The matcher's Arabic rules: how a word may be read, and when the words around it say no.

Arabic glues conjunctions and prepositions to the next word (ولبنان, بالكويت), so a word is
also read without them; such a one-word reading is a guess that only notable places are worth.
Marks written on a name (عمّان, عُمان) choose between namesakes. After a match, two context
rules (see :data:`workers.gazetteer.matcher.CONTEXT_RULES`): a common word that some place is
also called (سيول floods, not Seoul) needs a locative word before it, and a definite feminine
nisba after a definite noun is an adjective (البورصة السعودية, the Saudi stock exchange).
"""

from __future__ import annotations

from functools import lru_cache

from workers.core.records import Place
from workers.gazetteer.index import Gazetteer
from workers.gazetteer.normalize import Variant, is_arabic, mark_signature, normalize, proclitic_variants
from workers.gazetteer.scan import Hit, Scan
from workers.gazetteer.sources import is_small_division
from workers.gazetteer.wordlists import (
    ARABIC_COMMON_WORDS,
    ARABIC_DIVISION_WORDS,
    ARABIC_GIVEN_NAMES,
    ARABIC_PLACE_CUES,
    ARABIC_SETTLEMENT_WORDS,
)

#: A stripped proclitic must leave at least this much of a one-word name (see normalize).
MIN_STRIPPED_KEY = 3

_ARTICLE = "ال"
_NISBA_END = "يه"  # ية after normalisation: the feminine of an adjective of origin (السعودية)

#: Words some place is also called that mean something else far more often, and given names.
COMMON = frozenset(normalize(w) for w in ARABIC_COMMON_WORDS | ARABIC_GIVEN_NAMES)
#: Locative words and descriptors before a name (في, مدينة, محافظة).
CUES = frozenset(normalize(w) for w in ARABIC_PLACE_CUES)
#: Descriptors before a name that ask for a division (محافظة) or a settlement (مدينة).
DIVISIONS = frozenset(normalize(w) for w in ARABIC_DIVISION_WORDS)
SETTLEMENTS = frozenset(normalize(w) for w in ARABIC_SETTLEMENT_WORDS)


@lru_cache(maxsize=1 << 16)
def readings(word: str) -> tuple[Variant, ...]:
    """The word and its readings without leading proclitics, least stripped first."""
    # Two letters may remain here because the first word of a longer name can be that short
    # (وتل أبيب); one-word readings are held to MIN_STRIPPED_KEY by the matcher.
    return proclitic_variants(word, min_letters=2)


def strips_article(word: str, stripped: int) -> bool:
    """Whether leaving out ``stripped`` leading characters leaves out an article too: text never
    adds one to a name that has none (المالي is "the financial", not Mali)."""
    return normalize(word[:stripped]).endswith(_ARTICLE)


def worth_a_guess(places: tuple[Place, ...], gazetteer: Gazetteer) -> tuple[Place, ...]:
    """The candidates of one word read without its first letter(s), which is a guess (بايدن ->
    ب + ايدن, لغات -> ل + غات): only notable places other than small divisions are worth it."""
    return tuple(p for p in places if gazetteer.is_notable(p) and not is_small_division(p))


def by_marks(
    scan: Scan, i: int, width: int, stripped: int, key: str, places: tuple[Place, ...]
) -> tuple[Place, ...]:
    """The candidates that the marks written on the name at token i allow (عمّان is Amman)."""
    tokens = scan.tokens
    first = tokens[i]
    gazetteer = scan.gazetteer
    if not is_arabic(first.text) or not gazetteer.has_marked_forms(key):
        return places
    surface = first.text[stripped:] if width == 1 else scan.text[first.start : tokens[i + width - 1].end]
    return gazetteer.by_marks(key, places, mark_signature(surface))


# --- context rules (see matcher.CONTEXT_RULES): None when the rule has nothing to say ----------


def common_word(scan: Scan, i: int, hit: Hit) -> tuple[Place, ...] | None:
    """سيول (floods), مشهد (scene), براك (a given name): a place only where a word before it
    announces one (في مالي, مدينة مشهد)."""
    if hit.key not in COMMON:
        return None
    previous = scan.tokens.key(i - 1) if i > 0 else ""
    return hit.places if previous in CUES else ()


def nisba_adjective(scan: Scan, i: int, hit: Hit) -> tuple[Place, ...] | None:
    """البورصة السعودية "the Saudi stock exchange": a definite noun followed by a definite
    feminine nisba is a noun and its adjective. في السعودية, زار السعودية stay places."""
    key = hit.key
    tokens = scan.tokens
    if not (key.startswith(_ARTICLE) and key.endswith(_NISBA_END)) or tokens.key(i) != key:
        return None  # a reading without a proclitic (والسعودية) is no adjective of this kind
    previous = tokens.key(i - 1) if i > 0 else ""
    if previous.startswith(_ARTICLE) and previous not in CUES:
        return tuple(p for p in hit.places if p.kind not in ("country", "admin1"))
    return None
