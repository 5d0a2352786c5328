"""The matcher's rules for English (and other cased, non-Arabic) text.

Case decides much: a name is capitalised, a word in capitals is an acronym (US, UAE) or a
dateline (WASHINGTON (AP) —), and nothing else is read from shouting. A state abbreviation
counts after a town (Paris, Tex.; Malibu, CA). After a match, two context rules (see
:data:`workers.gazetteer.matcher.CONTEXT_RULES`): the name after a storm word is the storm's
(Hurricane Harvey), and a town's name that the words around it make a person's (Mr Stewart,
Tyler said, Rod Stewart) is the person's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import compress, pairwise

from workers.core.records import Place
from workers.gazetteer.index import Gazetteer
from workers.gazetteer.normalize import is_cased, normalize, normalize_token
from workers.gazetteer.scan import Hit, Qualifier, Scan, Tokens, camel_parts
from workers.gazetteer.sources import ENGLISH_STOP_WORDS, is_small_division
from workers.gazetteer.wordlists import (
    ENGLISH_COMMON_NAMES,
    ENGLISH_DIVISION_WORDS,
    ENGLISH_PLACE_CUES,
    HONORIFICS,
    SPEECH_VERBS,
    STORM_WORDS,
)

#: Lowercase words allowed inside a multi-word name (Bosnia and Herzegovina, Rio de Janeiro,
#: al-Quds) as long as a capitalised word ends it.
CONNECTORS = frozenset(
    {
        *("of", "and", "the", "upon", "on", "am", "an"),
        *("de", "del", "della", "di", "da", "do", "dos", "das", "du", "des", "la", "le", "les"),
        *("el", "al", "ad", "ar", "as", "ash", "at", "az", "ed", "en", "et", "y", "e"),
        *("der", "den", "van", "von", "sur", "au", "aux"),
    }
)

#: Locative words before a name ("in", "from", "near").
CUES = ENGLISH_PLACE_CUES
#: Words after a one-word name that make it a division: "Benue State", "Punjab province".
DIVISIONS = ENGLISH_DIVISION_WORDS
#: Storm words, English and Arabic: the Arabic ones only keep a hashtag (#اعصار) from being a
#: place, since the context rules for Arabic words are those of rules_ar.
STORMS = frozenset(normalize(w) for w in STORM_WORDS)

# What separates a town from its state: "Paris, Tex." or "ALLENDALE, N.J." (also in parentheses).
_QUALIFIER_GAP = re.compile(r"\s?[,(]\s{0,2}")
# Punctuation after an all-capital dateline: "BEIRUT (AP) —", "SAN DIEGO,", "WINNIPEG —".
_DATELINE_AFTER = re.compile(r"\s{0,2}(?:,|\(|\u2014|\u2013|--?|:|&)")
_DATELINE_BEFORE = frozenset("\n.&|\u2014\u2013-:•\u2022\"“”'")

_STOP = frozenset(w.casefold() for w in ENGLISH_STOP_WORDS)
_COMMON = ENGLISH_COMMON_NAMES


@lru_cache(maxsize=1 << 16)
def case_shape(word: str) -> tuple[int, int]:
    """(cased letters, uppercase letters) of a word."""
    cased = [ch for ch in word if is_cased(ch)]
    return len(cased), sum(1 for ch in cased if ch.isupper())


def is_dateline(text: str, start: int, end: int) -> bool:
    """Whether the words at ``text[start:end]`` stand where a dateline does ("BEIRUT (AP) —")."""
    before = text[max(0, start - 40) : start].rstrip(" \t\u00a0")
    if before and before[-1] not in _DATELINE_BEFORE:
        return False
    return _DATELINE_AFTER.match(text, end) is not None


def cased_lookup(scan: Scan, i: int, width: int, stripped: int, key: str) -> tuple[tuple[Place, ...], bool]:
    """(candidates, weak) for ``key`` if the words' capitalisation allows a place name there."""
    gazetteer = scan.gazetteer
    if key not in gazetteer:
        return (), False  # most attempts: no need to look at letters
    words = scan.tokens.span(i, i + width)
    surface = [words[0].text[stripped:], *(w.text for w in words[1:])]
    shapes = [case_shape(word) for word in surface]
    cased = sum(n for n, _ in shapes)
    if not cased:
        return gazetteer.lookup(key), False  # Arabic, Hebrew, CJK...: no case to check
    if cased >= 2 and all(n == upper for n, upper in shapes):
        # All capitals is an acronym (US, UAE) or shouting (a LONDON headline): only the
        # reviewed acronyms are trusted, which keeps "US" from ever matching "us" or "Us".
        acronym = gazetteer.lookup_acronym(key)
        if acronym:
            return acronym, False
        if is_dateline(scan.text, words[0].start, words[-1].end):
            # "BEIRUT (AP) —": a dateline names the place the story is filed from. A notable
            # place is safe to take; a small town needs the article (or its state) to agree.
            found = gazetteer.lookup(key)
            notable = tuple(p for p in found if gazetteer.is_notable(p))
            return (notable, False) if notable else (found, True)
        return (), False
    last = len(surface) - 1
    for position, word in enumerate(surface):
        if not is_cased(word[0]) or word[0].isupper():
            continue
        if position < last and word.casefold() in CONNECTORS:
            continue
        return (), False  # "reading", "nice": lowercase words are not names
    return gazetteer.lookup(key), False


def storm_names(tokens: Tokens, storm_flags: Iterable[int], in_hashtag: set[int]) -> frozenset[str]:
    """Keys of names that follow a storm word anywhere in the text (Hurricane Harvey).

    ``storm_flags`` is non-zero at the tokens that are storm words.
    """
    names: set[str] = set()
    for i in compress(range(tokens.count - 1), storm_flags):
        if i in in_hashtag:
            continue
        nxt = tokens[i + 1]
        if nxt.key in STORMS or (is_cased(nxt.text[0]) and not nxt.text[0].isupper()):
            continue  # "Tropical Storm Harvey": the name comes after the last storm word
        names.add(nxt.key)
    # #HurricaneHarvey glues the storm word to the name.
    for i in in_hashtag:
        parts = camel_parts(tokens[i].text)
        for a, b in pairwise(parts):
            if normalize_token(a) in STORMS:
                names.add(normalize_token(b))
    return frozenset(names)


def after_name(scan: Scan, i: int, last_end: int) -> Qualifier | None:
    """A state abbreviation right after ``Name,`` at token i.

    A postal code (TX, CA) must follow a place the matcher found (``last_end`` is where the
    previous mention ends); a dotted abbreviation (Calif., N.J.) may follow any capitalised
    word, since it cannot be an ordinary word there. Either may also stand alone after a
    locative word ("heading to TX").
    """
    if i == 0:
        return None
    text, tokens = scan.text, scan.tokens
    before = tokens[i - 1]
    # "in TX", "to Calif.": social media writes the abbreviation alone after a locative word.
    after_cue = before.key in CUES and text[before.end : tokens[i].start] == " "
    gap = _QUALIFIER_GAP.fullmatch(text, before.end, tokens[i].start)
    if not after_cue and (gap is None or not before.text[:1].isupper()):
        return None
    for width in (1, 2, 3):
        if i + width > tokens.count:
            break
        words = tokens.span(i, i + width)
        if width > 1 and not all(text[a.end : b.start] == "." for a, b in pairwise(words)):
            break
        end = words[-1].end
        dotted = text[end : end + 1] == "."
        letters = "".join(w.text for w in words)
        if not letters.isascii() or not letters[:1].isupper():
            break
        key = " ".join(w.key for w in words)
        places = scan.gazetteer.lookup_after_name(key)
        if not places:
            continue
        if dotted and not (width == 1 and letters.isupper()):
            return Qualifier(width, end + 1, places)
        if letters.isupper() and len(letters) == 2 and (before.end == last_end or after_cue):
            return Qualifier(width, end, places)
        if len(letters) == 2 and before.end == last_end and _CLAUSE_END.match(text, end):
            # Social media writes the code in title case ("Paradise,Ca"): only where it ends
            # the clause, since Me, Oh, In and Or are words before anything else.
            return Qualifier(width, end, places)
    return None


#: The end of a clause after a word: the text's end, or punctuation, a line break, a hashtag.
_CLAUSE_END = re.compile(r"[ \t]?(?:$|[.!?;:)\n#@]|\s*https?://)")


# --- context rules (see matcher.CONTEXT_RULES): None when the rule has nothing to say ----------


def storm_name(scan: Scan, i: int, hit: Hit) -> tuple[Place, ...] | None:
    """ "Hurricane Florence": the storm's name is no town there; a country or state is still
    one ("Storm Georgia" is not a thing news writes)."""
    if scan.tokens.key(i) not in scan.storms:
        return None
    return tuple(p for p in hit.places if p.kind != "city")


def person(scan: Scan, i: int, hit: Hit) -> tuple[Place, ...] | None:
    """Drop town readings of a one-word Latin name that the words around it make a person.

    Towns and small divisions (a parish, a sheading) are judged; a big place is spared unless
    the word is only one of its alternate names (Sam for Damascus, Luck for Lutsk).
    """
    text, tokens, gazetteer, places = scan.text, scan.tokens, scan.gazetteer, hit.places
    key = tokens.key(i)
    small: list[Place] | None = None  # worked out only when needed (most mentions are kept)
    if not any(p.kind == "city" for p in places):
        small = _small_places(places, key, gazetteer)
        if not small:
            return None
    # The neighbours as (text, key), when a single space (or an honorific's ". ") joins them.
    texts, bounds = tokens.texts, tokens.bounds
    prev = nxt = None
    if i > 0:
        prev_key = tokens.key(i - 1)
        if _spaced(text[bounds[2 * i - 1] : bounds[2 * i]], prev_key):
            prev = (texts[i - 1], prev_key)
    if i + 1 < tokens.count and _spaced(text[bounds[2 * i + 1] : bounds[2 * i + 2]], key):
        nxt = (texts[i + 1], tokens.key(i + 1))
    if prev is not None and prev[1] in HONORIFICS and prev[0][:1].isupper():
        # Mr Stewart, President Lincoln, Gen. Allen: whatever the town's size.
        small = _small_places(places, key, gazetteer) if small is None else small
        return tuple(p for p in places if p.kind != "city" and p not in small)
    a_person = False
    if (prev is not None and prev[1] in SPEECH_VERBS) or (nxt is not None and nxt[1] in SPEECH_VERBS):
        a_person = True  # "said Tyler", "Tyler said"
    elif prev is not None and _name_like(*prev, gazetteer):
        a_person = True  # "Rod Stewart": a capitalised word before that is not a place
    elif nxt is not None and _name_like(*nxt, gazetteer) and nxt[1] not in DIVISIONS:
        a_person = True  # "Martin Roscoe", "Tyler Perry", "Sam Gallagher"
    elif _surname_or_possessive(text[bounds[2 * i + 1] : bounds[2 * i + 1] + 3]):
        a_person = True  # "Macy-O'Toole", "Noma's case"
    elif key in _COMMON and not _placed(scan, i):
        a_person = True  # "praises Harvey", "First aid": a word or a name, not the small town
    if not a_person:
        return None
    small = _small_places(places, key, gazetteer) if small is None else small
    # By identity: small holds some of these very objects, and candidates are never repeated.
    ruled_out = set(map(id, small))
    return tuple(p for p in places if id(p) not in ruled_out)


def _small_places(places: tuple[Place, ...], key: str, gazetteer: Gazetteer) -> list[Place]:
    """The towns and divisions among ``places`` that a person's name can rule out."""
    return [p for p in places if p.kind in ("city", "admin1") and not _big_by_name(p, key, gazetteer)]


def _big_by_name(place: Place, key: str, gazetteer: Gazetteer) -> bool:
    """A country, or a notable place other than a small division that this word names by its
    own name, not an alternate one."""
    if place.kind in ("country", "continent", "region"):
        return True
    notable = gazetteer.is_notable(place) and not is_small_division(place)
    return notable and normalize_token(place.name) == key


def _surname_or_possessive(after: str) -> bool:
    """Whether the three characters after a word make it a surname or a possessive."""
    if after[:1] == "-" and after[1:2].isupper():
        return True  # a double-barrelled name: Macy-O'Toole
    return after[:1] in ("'", "’") and after[1:2] == "s" and not after[2:3].isalpha()


def _placed(scan: Scan, i: int) -> bool:
    """A locative word before (in Tyler) or a state or country after (Paradise, California)."""
    text, tokens = scan.text, scan.tokens
    if i > 0 and tokens[i - 1].key in CUES and text[tokens[i - 1].end : tokens[i].start] == " ":
        return True
    if i + 1 < tokens.count and _QUALIFIER_GAP.fullmatch(text, tokens[i].end, tokens[i + 1].start):
        return tokens[i + 1].text[:1].isupper()
    return False


def _spaced(gap: str, first_key: str) -> bool:
    """Whether ``gap`` joins two words of one phrase (after an honorific, also ". ")."""
    return gap in (" ", ". ") if first_key in HONORIFICS else gap == " "


def _name_like(word: str, key: str, gazetteer: Gazetteer) -> bool:
    return (
        word[:1].isupper()
        and not word.isupper()
        and word.isascii()
        and key not in _STOP
        and key not in gazetteer
        and not gazetteer.is_prefix(key)
    )
