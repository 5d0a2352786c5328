"""Finding gazetteer names in article text: longest match first, left to right."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from workers.gazetteer.index import Gazetteer
from workers.gazetteer.normalize import (
    TOKEN_RE,
    Variant,
    is_arabic,
    is_cased,
    normalize_token,
    proclitic_variants,
)
from workers.gazetteer.sources import is_notable
from workers.records import Place, Span, TextField

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

# What may separate the words of one name: spaces, hyphens, apostrophes, an abbreviation's
# period (St. Louis, U.S.). Commas, brackets, slashes and line breaks end a name, so that
# "Paris, Texas" or a list of cities is read word by word.
_JOINER = re.compile(r"[ \t\u00a0\-\u2010\u2011\u2013'\u2019.]{1,3}")

#: A stripped proclitic must leave at least this much of a one-word name (see normalize).
_MIN_STRIPPED_KEY = 3


class Token(NamedTuple):
    start: int
    end: int
    text: str
    key: str  # normalised; "" for a token that is nothing but marks


def tokenize(text: str) -> list[Token]:
    """Word tokens with their offsets (Python str indices) and normalised keys."""
    return [Token(m.start(), m.end(), m.group(), normalize_token(m.group())) for m in TOKEN_RE.finditer(text)]


def find_mentions(text: str, field: TextField, gazetteer: Gazetteer) -> list[tuple[Span, tuple[Place, ...]]]:
    """Every gazetteer name in ``text`` with its candidate places, in text order.

    At each token the widest name wins (Tel Aviv over Tel); matching resumes after it, so
    mentions never overlap. Arabic words are also tried without leading proclitics, and the
    span then leaves the proclitic out (ولبنان -> لبنان). Cased words must be capitalised.
    """
    tokens = tokenize(text)
    found: list[tuple[Span, tuple[Place, ...]]] = []
    i = 0
    while i < len(tokens):
        hit = _match_at(text, tokens, i, gazetteer)
        if hit is None:
            i += 1
            continue
        width, stripped, places = hit
        words = tokens[i : i + width]
        i += width
        if not places:
            continue  # a phrase that is not a place (New York Times): consumed, not tagged
        start, end = words[0].start + stripped, words[-1].end
        if _is_dotted_abbreviation(words) and text[end : end + 1] == ".":
            end += 1  # U.S. and D.C. keep their last period
        found.append((Span(text[start:end], start, end, field), places))
    return found


@lru_cache(maxsize=1 << 16)
def _arabic_readings(word: str) -> tuple[Variant, ...]:
    # Two letters may remain here because the first word of a longer name can be that short
    # (وتل أبيب); one-word readings are held to _MIN_STRIPPED_KEY in _match_at.
    return proclitic_variants(word, min_letters=2)


def _is_dotted_abbreviation(words: list[Token]) -> bool:
    return len(words) > 1 and all(len(w.text) == 1 and w.text.isupper() for w in words)


def _match_at(
    text: str, tokens: list[Token], i: int, gazetteer: Gazetteer
) -> tuple[int, int, tuple[Place, ...]] | None:
    """(width in tokens, characters stripped, candidates) of the best name starting at token i."""
    first = tokens[i]
    if not first.key:
        return None
    variants = _arabic_readings(first.text) if is_arabic(first.text) else (Variant(0, first.key),)
    attempts: list[tuple[int, int, Variant, str]] = []  # (width, variant rank, variant, key)
    for rank, variant in enumerate(variants):
        key, width = variant.key, 1
        attempts.append((width, rank, variant, key))
        # Widen only while some indexed name continues the words so far: a lookup per width,
        # never a scan, and usually no widening at all.
        while (
            width < gazetteer.max_words
            and i + width < len(tokens)
            and tokens[i + width].key
            and gazetteer.is_prefix(key)
            and _JOINER.fullmatch(text, tokens[i + width - 1].end, tokens[i + width].start)
        ):
            key = f"{key} {tokens[i + width].key}"
            width += 1
            attempts.append((width, rank, variant, key))
    # Widest first; among equal widths the least stripped reading (the word as written first).
    attempts.sort(key=lambda a: (-a[0], a[1]))
    for width, _, variant, key in attempts:
        if gazetteer.is_blocked(key):
            return width, variant.stripped, ()
        if width == 1 and variant.stripped and len(key) < _MIN_STRIPPED_KEY:
            continue
        places = _lookup(tokens[i : i + width], variant.stripped, key, gazetteer)
        if places and width == 1 and variant.stripped:
            # One word read without its first letter(s) is a guess (بايدن -> ب + ايدن): only
            # notable places are worth that guess; small towns there are mostly other words.
            places = tuple(p for p in places if is_notable(p))
        if places:
            return width, variant.stripped, places
    return None


def _lookup(words: list[Token], stripped: int, key: str, gazetteer: Gazetteer) -> tuple[Place, ...]:
    """Candidates for ``key`` if the words' capitalisation allows a place name there."""
    if key not in gazetteer:
        return ()  # most attempts: no need to look at letters
    surface = [words[0].text[stripped:], *(w.text for w in words[1:])]
    letters = [ch for word in surface for ch in word if is_cased(ch)]
    if not letters:
        return gazetteer.lookup(key)  # Arabic, Hebrew, CJK...: no case to check
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        # All capitals is an acronym (US, UAE) or shouting (a LONDON headline): only the
        # reviewed acronyms are trusted, which keeps "US" from ever matching "us" or "Us".
        return gazetteer.lookup_acronym(key)
    last = len(surface) - 1
    for position, word in enumerate(surface):
        if not is_cased(word[0]) or word[0].isupper():
            continue
        if position < last and word.casefold() in CONNECTORS:
            continue
        return ()  # "reading", "nice": lowercase words are not names
    return gazetteer.lookup(key)
