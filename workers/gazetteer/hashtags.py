"""Hashtags as the matcher reads them: a place only when the whole hashtag is one name.

#بيروت, #PuertoRico, #srilanka are places; a place inside a longer hashtag (#انفجار_بيروت
"Beirut explosion", #KeralaFloods) names an event, which annotators of social media do not tag.
"""

from __future__ import annotations

from workers.core.records import Place
from workers.gazetteer import rules_ar
from workers.gazetteer.normalize import HASHTAG_RE, is_arabic, is_cased, normalize_token
from workers.gazetteer.scan import Hit, Scan, Tokens, camel_parts
from workers.gazetteer.wordlists import ENGLISH_COMMON_NAMES


def hashtags(text: str, tokens: Tokens) -> dict[int, tuple[int, int, int]]:
    """First token index -> (index after the last token, start, end) of each hashtag's words."""
    found: dict[int, tuple[int, int, int]] = {}
    if "#" not in text:
        return found
    j = 0
    count, bounds = tokens.count, tokens.bounds
    for m in HASHTAG_RE.finditer(text):
        start, end = m.start() + 1, m.end()
        while end > start and text[end - 1] == "_":
            end -= 1
        while j < count and bounds[2 * j] < start:
            j += 1
        first = j
        while j < count and bounds[2 * j + 1] <= end:
            j += 1
        if j > first:
            found[first] = (j, start, end)
    return found


def match_hashtag(scan: Scan, first: int, last: int) -> Hit | None:
    """The place the hashtag over tokens ``first:last`` names as a whole, if it is one.

    Whatever the answer, the matcher consumes the whole hashtag. ``stripped`` is that of a
    proclitic glued inside it (#والكويت).
    """
    gazetteer = scan.gazetteer
    parts = [part for w in scan.tokens.span(first, last) for part in camel_parts(w.text)]
    keys = [normalize_token(p) for p in parts]
    if not all(keys):
        return None
    key = " ".join(keys)
    if key in scan.storms and len(parts) == 1:
        return None
    places: tuple[Place, ...] = ()
    stripped = 0
    if all(p.isupper() for p in parts if is_cased(p[0])) and any(is_cased(p[0]) for p in parts):
        places = gazetteer.lookup_acronym(key)
    if not places and not gazetteer.is_blocked(key):
        places = gazetteer.lookup(key)
        if places and len(parts) == 1 and (parts[0].islower() or keys[0] in ENGLISH_COMMON_NAMES):
            # A lowercase one-word hashtag (#nice, #reading) is as often a word, and a
            # capitalised given name or word (#Harvey, the storm) as often a person or a thing:
            # notable places only, as the person rule keeps them in running text.
            places = tuple(p for p in places if gazetteer.is_notable(p))
    if (
        not places
        and len(parts) == 1
        and len(parts[0]) == 2
        and parts[0].isupper()
        and parts[0] not in _WORDLIKE_CODES
    ):
        # #TX, #NC: social media tags a US state by its postal code.
        places = gazetteer.lookup_after_name(key)
    if not places and len(parts) == 1 and is_arabic(parts[0]):
        # #والكويت, #بالكويت: the proclitic is glued inside the hashtag, the name is whole.
        for variant in rules_ar.readings(parts[0])[1:]:
            if len(variant.key) >= rules_ar.MIN_STRIPPED_KEY:
                places = tuple(p for p in gazetteer.lookup(variant.key) if gazetteer.is_notable(p))
                if places:
                    stripped = variant.stripped
                    break
    if not places and all(is_cased(p[0]) for p in parts):
        places = gazetteer.lookup_compact(key.replace(" ", ""))
    if not places:
        return None
    if len(parts) == 1 and is_arabic(parts[0]) and keys[0] in rules_ar.COMMON:
        return None  # #سيول is the floods, #براك a person
    return Hit(last - first, stripped, key, places, weak=False)


#: Postal codes that, as a hashtag, are more often a word or another abbreviation (#IN, #OK,
#: #ME, #MD for doctors, #MS for multiple sclerosis) than the state.
_WORDLIKE_CODES = frozenset(
    {
        *("IN", "OR", "ME", "OK", "HI", "OH", "AL", "LA", "PA", "MA", "DE", "CO", "ID", "AS"),
        *("AR", "MO", "NE", "GA", "MD", "MS", "MT", "ND", "SD", "PR", "GU", "VI", "MP"),
    }
)
