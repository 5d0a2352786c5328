"""Finding gazetteer names in article text: longest match first, left to right.

Besides plain names the matcher knows the shapes news and social media give them: hashtags
(#Beirut, #SriLanka, but not #KuwaitRains), AP datelines (WASHINGTON (AP) —), state
abbreviations after a town (Paris, Tex.; Malibu, CA). It also drops readings that the
surrounding words show to be something else: a person (Mr Stewart, Tyler said, Rod Stewart), a
storm (Hurricane Harvey), an Arabic adjective (البورصة السعودية) or a common Arabic word that
some place is also called (سيول floods, not Seoul). Everything is a scan over the tokens with
dictionary look-ups: no regular expression runs over the article beyond tokenising.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate, compress, pairwise
from typing import Literal, NamedTuple

from workers.gazetteer.index import Gazetteer
from workers.gazetteer.normalize import (
    HASHTAG_RE,
    IN_WORD,
    TOKEN_RE,
    Variant,
    is_arabic,
    is_cased,
    mark_signature,
    normalize,
    normalize_token,
    proclitic_variants,
)
from workers.gazetteer.sources import ENGLISH_STOP_WORDS, is_minor
from workers.gazetteer.wordlists import (
    ARABIC_COMMON_WORDS,
    ARABIC_DIVISION_WORDS,
    ARABIC_GIVEN_NAMES,
    ARABIC_PLACE_CUES,
    ARABIC_SETTLEMENT_WORDS,
    ENGLISH_COMMON_NAMES,
    ENGLISH_DIVISION_WORDS,
    ENGLISH_PLACE_CUES,
    HONORIFICS,
    SPEECH_VERBS,
    STORM_WORDS,
)
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
# What separates a town from its state: "Paris, Tex." or "ALLENDALE, N.J." (also in parentheses).
_QUALIFIER_GAP = re.compile(r"\s?[,(]\s{0,2}")
# Punctuation after an all-capital dateline: "BEIRUT (AP) —", "SAN DIEGO,", "WINNIPEG —".
_DATELINE_AFTER = re.compile(r"\s{0,2}(?:,|\(|\u2014|\u2013|--?|:|&)")
_DATELINE_BEFORE = frozenset("\n.&|\u2014\u2013-:•\u2022\"“”'")
# CamelCase parts of a hashtag: #PuertoRico, #USVirginIslands, #KeralaFloods2018.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")

#: A stripped proclitic must leave at least this much of a one-word name (see normalize).
_MIN_STRIPPED_KEY = 3

_ARTICLE = "ال"
_NISBA_END = "يه"  # ية after normalisation: the feminine of an adjective of origin (السعودية)

_COMMON_AR = frozenset(normalize(w) for w in ARABIC_COMMON_WORDS | ARABIC_GIVEN_NAMES)
_CUES_AR = frozenset(normalize(w) for w in ARABIC_PLACE_CUES)
_DIVISION_AR = frozenset(normalize(w) for w in ARABIC_DIVISION_WORDS)
_SETTLEMENT_AR = frozenset(normalize(w) for w in ARABIC_SETTLEMENT_WORDS)
_STORMS = frozenset(normalize(w) for w in STORM_WORDS)
_STOP_EN = frozenset(w.casefold() for w in ENGLISH_STOP_WORDS)
_COMMON_EN = ENGLISH_COMMON_NAMES
#: Places this big keep their one-word name against the person and common-word rules.
_BIG_POPULATION = 100_000
_CUES_EN = ENGLISH_PLACE_CUES

Hint = Literal["", "admin1", "city"]


class Token(NamedTuple):
    start: int
    end: int
    text: str
    key: str  # normalised; "" for a token that is nothing but marks


@dataclass(frozen=True, slots=True)
class Mention:
    """A name found in text, with every place it can be.

    ``hint`` says which kind of unit the words around it ask for (``محافظة بيروت`` -> admin1,
    ``مدينة الكويت`` -> city). ``weak`` marks a reading that only counts if the rest of the
    article backs it (a small town's name in a dateline), as small towns always do: the location
    stage decides. ``backed`` says a qualifier has already done so ("Red Oak, Iowa").
    """

    span: Span
    places: tuple[Place, ...]
    hint: Hint = ""
    weak: bool = False
    backed: bool = False


def tokenize(text: str) -> list[Token]:
    """Word tokens with their offsets (Python str indices) and normalised keys."""
    return [Token(m.start(), m.end(), m.group(), normalize_token(m.group())) for m in TOKEN_RE.finditer(text)]


# TOKEN_RE as a split pattern (tokens at odd positions, the text between them at even ones). In
# text without an underscore one character class does the same as TOKEN_RE's "word character
# but not underscore, or a mark" alternation, at a third of the cost.
_SPLIT = re.compile(f"({TOKEN_RE.pattern})")
_SPLIT_NO_UNDERSCORE = re.compile(rf"([\w{IN_WORD}]+)")


class _Tokens(dict[int, Token]):
    """The tokens of one text by index, each :class:`Token` built on first use.

    Matching looks closely at a few tokens only (those that can start a name, and their
    neighbours), so the others stay plain strings. ``count`` is the number of tokens; an index
    outside ``range(count)`` raises ``IndexError`` (negative ones too).
    """

    __slots__ = ("bounds", "count", "texts")

    def __init__(self, text: str) -> None:
        super().__init__()
        parts = (_SPLIT if "_" in text else _SPLIT_NO_UNDERSCORE).split(text)
        #: The token strings, in order.
        self.texts: list[str] = parts[1::2]
        #: Token k spans bounds[2k]:bounds[2k + 1].
        self.bounds: list[int] = list(accumulate(map(len, parts)))
        self.count = len(self.texts)

    def __missing__(self, k: int) -> Token:
        if not 0 <= k < self.count:
            raise IndexError(f"token {k} of {self.count}")
        text = self.texts[k]
        token = Token(self.bounds[2 * k], self.bounds[2 * k + 1], text, normalize_token(text))
        self[k] = token
        return token

    def key(self, k: int) -> str:
        """``self[k].key`` without building the Token (k in range)."""
        return normalize_token(self.texts[k])

    def span(self, first: int, stop: int) -> list[Token]:
        """tokens[first:stop] as a list (clipped to the text, like a list slice)."""
        return [self[k] for k in range(max(first, 0), min(stop, self.count))]


#: Token flags (see :func:`_flags_of`). A token that has none of the first three is skipped.
_MATCH = 1  # some reading of the word is itself a key (a name, an acronym or a blocked phrase)
_WIDEN = 2  # some reading begins longer keys: only a next word can make it a name
_AFTER = 4  # an after-name abbreviation (Calif., N.J., TX) is or begins with it
_STORM = 8  # a storm word (Hurricane)
#: Not in capitals: what _match_at finds at the word alone (width 1) depends on the word only.
_PLAIN = 16
_CAN_START = _MATCH | _WIDEN | _AFTER
#: The per-gazetteer memo of token flags is emptied when it grows past this many texts.
_MEMO_MAX = 200_000


def _token_flags(texts: list[str], gazetteer: Gazetteer) -> list[int]:
    """Flags of each token text, from the gazetteer's memo (news vocabulary repeats)."""
    memo = gazetteer.token_memo
    flags: list[int | None] = list(map(memo.get, texts))
    if None not in flags:
        return flags  # type: ignore[return-value]  # no None in it
    if len(memo) > _MEMO_MAX:
        memo.clear()
    for text in set(texts).difference(memo):
        memo[text] = _flags_of(text, gazetteer)
    return list(map(memo.__getitem__, texts))


def _flags_of(text: str, gazetteer: Gazetteer) -> int:
    """What a token with this text can begin, whatever its context.

    :func:`_match_at` can only find something at a token one of whose readings (see
    :func:`_readings`) is a key (``_MATCH``) or begins a longer one (``_WIDEN``), and
    :func:`_match_after_name` only at a capitalised ASCII word that is or begins an after-name
    abbreviation (``_AFTER``). A word starting lowercase is never accepted by :func:`_lookup`
    as a name's first word unless it is a connector, so there only a blocked phrase can start.
    """
    key = normalize_token(text)
    flags = _STORM if key in _STORMS else 0
    if not key:
        return flags
    if text.isascii() and text[:1].isupper() and gazetteer.may_start_after_name(key):
        flags |= _AFTER
    if text[0].islower() and text.casefold() not in CONNECTORS:
        return flags | (_MATCH if gazetteer.may_start_blocked(key) else 0)
    for reading in _readings(text, key):
        if reading in gazetteer or gazetteer.is_blocked(reading):
            flags |= _MATCH
        if gazetteer.is_prefix(reading):
            flags |= _WIDEN
    cased, upper = _case_shape(text)
    # No look at the text around: only a word in capitals has its dateline read; an Arabic
    # word with any cased letter is left out rather than reasoned about.
    if flags & _MATCH and not (cased >= 2 and cased == upper if not is_arabic(text) else cased):
        flags |= _PLAIN
    return flags


@lru_cache(maxsize=1 << 16)
def _readings(text: str, key: str) -> tuple[str, ...]:
    """The keys :func:`_match_at` tries for a word: its own, and for an Arabic word those
    without proclitics, except readings that would strip an article."""
    return tuple(v.key for _, v in _ranked_readings(text, key))


def _may_match(
    text: str, tokens: _Tokens, i: int, flag: int, gazetteer: Gazetteer, in_hashtag: set[int]
) -> bool:
    """Whether anything can be found at token i (False only where the full look would find
    nothing): a ``_WIDEN`` word needs a next word that continues one of its readings, an
    ``_AFTER`` word a period after it or two capitals (see :func:`_match_after_name`)."""
    if flag & _MATCH:
        return True
    if flag & _AFTER:
        word = tokens.texts[i]
        end = tokens.bounds[2 * i + 1]
        if text[end : end + 1] == "." or (len(word) == 2 and word.isupper()):
            return True
    if flag & _WIDEN:
        nxt = i + 1
        if nxt >= tokens.count or nxt in in_hashtag:
            return False
        if _continued(tokens, i, gazetteer):
            return _JOINER.fullmatch(text, tokens.bounds[2 * i + 1], tokens.bounds[2 * nxt]) is not None
    return False


def _continued(tokens: _Tokens, i: int, gazetteer: Gazetteer) -> bool:
    """Whether token i and the next word begin some indexed key in one of the first's readings.

    When they do not, :func:`_match_at` cannot widen past token i whatever lies between them.
    """
    nxt = i + 1
    if nxt >= tokens.count:
        return False
    second = normalize_token(tokens.texts[nxt])
    if not second:
        return False
    first = tokens.texts[i]
    memo = gazetteer.follow_memo
    follow = memo.get(first)
    if follow is None:
        readings = _readings(first, normalize_token(first))
        if not any(" " in r for r in readings):
            if len(memo) > _MEMO_MAX:
                memo.clear()
            follow = memo[first] = frozenset().union(*map(gazetteer.next_words, readings))
    if follow is None or " " in second:
        # A folded word can hold a space (NFKC spells some ligatures as phrases): the index of
        # single next words does not cover it, so the phrase itself is looked up.
        return any(gazetteer.may_start(f"{r} {second}") for r in _readings(first, normalize_token(first)))
    return second in follow


def find_mentions(text: str, field: TextField, gazetteer: Gazetteer) -> list[tuple[Span, tuple[Place, ...]]]:
    """Every gazetteer name in ``text`` with its candidate places, in text order.

    At each token the widest name wins (Tel Aviv over Tel); matching resumes after it, so
    mentions never overlap. Arabic words are also tried without leading proclitics, and the
    span then leaves the proclitic out (ولبنان -> لبنان). Cased words must be capitalised.
    Readings that need the rest of the article to back them (see :class:`Mention`), small towns
    among them, are left out.
    """
    found = []
    for mention in find_candidates(text, field, gazetteer):
        places = tuple(p for p in mention.places if not is_minor(p))
        if places and not mention.weak:
            found.append((mention.span, places))
    return found


def find_candidates(text: str, field: TextField, gazetteer: Gazetteer) -> list[Mention]:
    """Like :func:`find_mentions`, with hints and the weak readings the article must confirm."""
    tokens = _Tokens(text)
    flags = _token_flags(tokens.texts, gazetteer)
    hashtags = _hashtags(text, tokens)
    in_hashtag = {j for first, (last, _, _) in hashtags.items() for j in range(first, last)}
    storms = _storm_names(tokens, flags, in_hashtag)
    # Only these tokens can start anything: the others are skipped without a look, which is
    # what the scan below would conclude about them (see _flags_of).
    stops = list(compress(range(tokens.count), map(_CAN_START.__and__, flags)))
    if hashtags:
        stops = sorted({*stops, *hashtags})
    found: list[Mention] = []
    last_end = -1  # end of the previous mention, for abbreviations that must follow one
    i = 0
    next_stop = 0
    while True:
        next_stop = bisect_left(stops, i, next_stop)
        if next_stop == len(stops):
            break
        i = stops[next_stop]
        if i in hashtags:
            last, start, end = hashtags[i]
            mention = _match_hashtag(text, tokens.span(i, last), start, end, field, gazetteer, storms)
            if mention is not None:
                found.append(replace(mention, hint=_hint(tokens, i, last - i)))
            i = last
            continue
        if not flags[i] & _MATCH and not _may_match(text, tokens, i, flags[i], gazetteer, in_hashtag):
            i += 1
            continue
        # Only a word flagged _AFTER can begin an abbreviation after a name.
        qualifier = _match_after_name(text, tokens, i, gazetteer, last_end) if flags[i] & _AFTER else None
        if qualifier is not None:
            width, end, places = qualifier
            start = tokens[i].start
            found.append(Mention(Span(text[start:end], start, end, field), places))
            last_end = end
            i += width
            continue
        if flags[i] & _PLAIN and not (flags[i] & _WIDEN and _continued(tokens, i, gazetteer)):
            # No longer name can start here, so what is found is the word's own reading: the
            # same wherever the word stands.
            word = tokens.texts[i]
            alone = gazetteer.match_memo
            if word in alone:
                hit = alone[word]
            else:
                if len(alone) > _MEMO_MAX:
                    alone.clear()
                hit = alone[word] = _match_at(text, tokens, i, gazetteer, in_hashtag)
        else:
            hit = _match_at(text, tokens, i, gazetteer, in_hashtag)
        if hit is None:
            i += 1
            continue
        width, stripped, key, places, weak = hit
        if not places:
            i += width
            continue  # a phrase that is not a place (New York Times): consumed, not tagged
        start, end = tokens.bounds[2 * i] + stripped, tokens.bounds[2 * (i + width) - 1]
        if text[end : end + 1] == "." and _is_dotted_abbreviation(tokens.texts[i : i + width]):
            end += 1  # U.S. and D.C. keep their last period
        places = _filter_in_context(text, tokens, i, width, key, places, gazetteer, storms)
        if places:
            hint = _hint(tokens, i, width)
            found.append(Mention(Span(text[start:end], start, end, field), places, hint, weak))
            last_end = end
        i += width
    return found


def lookup_phrase(text: str, gazetteer: Gazetteer) -> tuple[tuple[Place, ...], int, int] | None:
    """Places named by a whole phrase (an entity's text), with the span of the name in it.

    Descriptors and proclitics are set aside: ``مدينة القدس`` -> Jerusalem (``القدس``), ``وبيروت``
    -> Beirut (``بيروت``), ``the State of Texas`` -> Texas. Used for spans an NER model labels as
    locations; ``None`` when the phrase is no known name.
    """
    tokens = [t for t in tokenize(text) if t.key]
    while tokens and (tokens[0].key in _CUES_AR or tokens[0].key in _PHRASE_DROP):
        tokens = tokens[1:]
    while tokens and tokens[-1].key in _PHRASE_DROP:
        tokens = tokens[:-1]
    if not tokens:
        return None
    rest = " ".join(t.key for t in tokens[1:])
    first = tokens[0]
    readings = _arabic_readings(first.text) if is_arabic(first.text) else (Variant(0, first.key),)
    for variant in readings:
        key = f"{variant.key} {rest}".strip()
        if len(tokens) == 1 and variant.stripped and len(key) < _MIN_STRIPPED_KEY:
            continue
        places = gazetteer.lookup(key) or gazetteer.lookup_acronym(key)
        if places:
            return places, first.start + variant.stripped, tokens[-1].end
    return None


# English words a phrase may carry around a name: "the city of", "State", "County"...
_PHRASE_DROP = frozenset(
    {"the", "city", "of", "town", "village", "state", "province", "region", "governorate", "county"}
)


@lru_cache(maxsize=1 << 16)
def _arabic_readings(word: str) -> tuple[Variant, ...]:
    # Two letters may remain here because the first word of a longer name can be that short
    # (وتل أبيب); one-word readings are held to _MIN_STRIPPED_KEY in _match_at.
    return proclitic_variants(word, min_letters=2)


def _is_dotted_abbreviation(words: list[str]) -> bool:
    return len(words) > 1 and all(len(w) == 1 and w.isupper() for w in words)


# --- hashtags -------------------------------------------------------------------------------


def _hashtags(text: str, tokens: _Tokens) -> dict[int, tuple[int, int, int]]:
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


def _match_hashtag(
    text: str,
    words: list[Token],
    start: int,
    end: int,
    field: TextField,
    gazetteer: Gazetteer,
    storms: frozenset[str],
) -> Mention | None:
    """A hashtag is a place only when all of it is one name (#بيروت, #PuertoRico, #srilanka).

    A place inside a longer hashtag (#انفجار_بيروت "Beirut explosion", #KeralaFloods) names an
    event, and annotators of social media do not tag it; the whole hashtag is consumed.
    """
    parts = [part for w in words for part in _camel_parts(w.text)]
    keys = [normalize_token(p) for p in parts]
    if not all(keys):
        return None
    key = " ".join(keys)
    if key in storms and len(parts) == 1:
        return None
    places: tuple[Place, ...] = ()
    stripped = 0
    if all(p.isupper() for p in parts if is_cased(p[0])) and any(is_cased(p[0]) for p in parts):
        places = gazetteer.lookup_acronym(key)
    if not places and not gazetteer.is_blocked(key):
        places = gazetteer.lookup(key)
        if places and len(parts) == 1 and parts[0].islower():
            # A lowercase one-word hashtag (#nice, #reading) is as often a word: notable only.
            places = tuple(p for p in places if gazetteer.is_notable(p))
    if not places and len(parts) == 1 and is_arabic(parts[0]):
        # #والكويت, #بالكويت: the proclitic is glued inside the hashtag, the name is whole.
        for variant in _arabic_readings(parts[0])[1:]:
            if len(variant.key) >= _MIN_STRIPPED_KEY:
                places = tuple(p for p in gazetteer.lookup(variant.key) if gazetteer.is_notable(p))
                if places:
                    stripped = variant.stripped
                    break
    if not places and all(is_cased(p[0]) for p in parts):
        places = gazetteer.lookup_compact(key.replace(" ", ""))
    if not places:
        return None
    if len(parts) == 1 and is_arabic(parts[0]) and keys[0] in _COMMON_AR:
        return None  # #سيول is the floods, #براك a person
    start += stripped
    return Mention(Span(text[start:end], start, end, field), places)


def _camel_parts(word: str) -> list[str]:
    if not word.isascii() or word.islower() or word.isupper():
        return [word]
    return _CAMEL.findall(word) or [word]


# --- storms ---------------------------------------------------------------------------------


def _storm_names(tokens: _Tokens, flags: list[int], in_hashtag: set[int]) -> frozenset[str]:
    """Keys of names that follow a storm word anywhere in the text (Hurricane Harvey)."""
    names: set[str] = set()
    for i in compress(range(tokens.count - 1), map(_STORM.__and__, flags)):
        if i in in_hashtag:
            continue
        nxt = tokens[i + 1]
        if nxt.key in _STORMS or (is_cased(nxt.text[0]) and not nxt.text[0].isupper()):
            continue  # "Tropical Storm Harvey": the name comes after the last storm word
        names.add(nxt.key)
    # #HurricaneHarvey glues the storm word to the name.
    for i in in_hashtag:
        parts = _camel_parts(tokens[i].text)
        for a, b in pairwise(parts):
            if normalize_token(a) in _STORMS:
                names.add(normalize_token(b))
    return frozenset(names)


# --- abbreviations after a town --------------------------------------------------------------


def _match_after_name(
    text: str, tokens: _Tokens, i: int, gazetteer: Gazetteer, last_end: int
) -> tuple[int, int, tuple[Place, ...]] | None:
    """(width, span end, places) of a state abbreviation right after ``Name,`` at token i.

    A postal code (TX, CA) must follow a place the matcher found; a dotted abbreviation (Calif.,
    N.J.) may follow any capitalised word, since it cannot be an ordinary word there. Either may
    also stand alone after a locative word ("heading to TX").
    """
    if i == 0:
        return None
    before = tokens[i - 1]
    # "in TX", "to Calif.": social media writes the abbreviation alone after a locative word.
    after_cue = before.key in _CUES_EN and text[before.end : tokens[i].start] == " "
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
        places = gazetteer.lookup_after_name(key)
        if not places:
            continue
        if dotted and not (width == 1 and letters.isupper()):
            return width, end + 1, places
        if letters.isupper() and len(letters) == 2 and (before.end == last_end or after_cue):
            return width, end, places
    return None


# --- one position ---------------------------------------------------------------------------


def _match_at(
    text: str, tokens: _Tokens, i: int, gazetteer: Gazetteer, in_hashtag: set[int]
) -> tuple[int, int, str, tuple[Place, ...], bool] | None:
    """(width in tokens, characters stripped, key, candidates, weak) of the best name at token i."""
    first = tokens[i]
    if not first.key:
        return None
    attempts: list[tuple[int, int, Variant, str]] = []  # (width, variant rank, variant, key)
    for rank, variant in _ranked_readings(first.text, first.key):
        key, width = variant.key, 1
        attempts.append((width, rank, variant, key))
        # Widen only while some indexed name continues the words so far: a lookup per width,
        # never a scan, and usually no widening at all.
        while (
            width < gazetteer.max_words
            and i + width < tokens.count
            and i + width not in in_hashtag
            and tokens[i + width].key
            and gazetteer.is_prefix(key)
            and _JOINER.fullmatch(text, tokens[i + width - 1].end, tokens[i + width].start)
        ):
            key = f"{key} {tokens[i + width].key}"
            width += 1
            attempts.append((width, rank, variant, key))
    # Widest first; among equal widths the least stripped reading (the word as written first).
    if len(attempts) > 1:
        attempts.sort(key=lambda a: (-a[0], a[1]))
    for width, _, variant, key in attempts:
        if gazetteer.is_blocked(key):
            return width, variant.stripped, key, (), False
        if width == 1 and variant.stripped and len(key) < _MIN_STRIPPED_KEY:
            continue
        places, weak = _lookup(text, tokens, i, width, variant.stripped, key, gazetteer)
        if places and width == 1 and variant.stripped:
            # One word read without its first letter(s) is a guess (بايدن -> ب + ايدن, لغات ->
            # ل + غات): only countries, capitals and big cities are worth that guess.
            places = tuple(p for p in places if _worth_a_guess(p, gazetteer))
        if places and is_arabic(first.text) and gazetteer.has_marked_forms(key):
            surface = (
                first.text[variant.stripped :]
                if width == 1
                else text[first.start : tokens[i + width - 1].end]
            )
            places = gazetteer.by_marks(key, places, mark_signature(surface))
        if places:
            return width, variant.stripped, key, places, weak
    return None


@lru_cache(maxsize=1 << 16)
def _ranked_readings(text: str, key: str) -> tuple[tuple[int, Variant], ...]:
    """(rank, reading) of each reading :func:`_match_at` tries for a word (see :func:`_readings`).

    Text never adds an article to a name that has none (المالي is "the financial", not Mali);
    names that have one are indexed with it: readings that strip an article are left out.
    """
    if not is_arabic(text):
        return ((0, Variant(0, key)),)
    return tuple(
        (rank, v)
        for rank, v in enumerate(_arabic_readings(text))
        if not (v.stripped and _strips_article(text, v.stripped))
    )


def _worth_a_guess(place: Place, gazetteer: Gazetteer) -> bool:
    return place.kind in ("country", "continent", "region") or (
        gazetteer.is_notable(place) and (place.population >= _BIG_POPULATION or gazetteer.is_capital(place))
    )


def _strips_article(word: str, stripped: int) -> bool:
    return normalize(word[:stripped]).endswith(_ARTICLE)


def _lookup(
    text: str, tokens: _Tokens, i: int, width: int, stripped: int, key: str, gazetteer: Gazetteer
) -> tuple[tuple[Place, ...], bool]:
    """(candidates, weak) for ``key`` if the words' capitalisation allows a place name there."""
    if key not in gazetteer:
        return (), False  # most attempts: no need to look at letters
    words = tokens.span(i, i + width)
    surface = [words[0].text[stripped:], *(w.text for w in words[1:])]
    shapes = [_case_shape(word) for word in surface]
    cased = sum(n for n, _ in shapes)
    if not cased:
        return gazetteer.lookup(key), False  # Arabic, Hebrew, CJK...: no case to check
    if cased >= 2 and all(n == upper for n, upper in shapes):
        # All capitals is an acronym (US, UAE) or shouting (a LONDON headline): only the
        # reviewed acronyms are trusted, which keeps "US" from ever matching "us" or "Us".
        acronym = gazetteer.lookup_acronym(key)
        if acronym:
            return acronym, False
        if _is_dateline(text, words[0].start, words[-1].end):
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


@lru_cache(maxsize=1 << 16)
def _case_shape(word: str) -> tuple[int, int]:
    """(cased letters, uppercase letters) of a word."""
    cased = [ch for ch in word if is_cased(ch)]
    return len(cased), sum(1 for ch in cased if ch.isupper())


#: The word right before a name, with the one space that must separate them.
_WORD_BEFORE = re.compile(rf"({TOKEN_RE.pattern}) $")


def place_cue(text: str, start: int, end: int) -> bool:
    """Whether the words around the name at ``text[start:end]`` announce a place: a locative
    word right before it ("in Salisbury", "from Kilburn", "في نابلس", "مدينة الخليل"), or an
    all-capital dateline ("ATLANTA (AP) —"). The locations stage weighs this against a tagger
    that reads the same words as a person or a team (:mod:`workers.pipeline.agreement`)."""
    name = text[start:end]
    if name.isupper() and _is_dateline(text, start, end):
        return True
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before is None:
        return False
    key = normalize_token(before.group(1))
    return key in _CUES_EN or key in _CUES_AR


def _is_dateline(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 40) : start].rstrip(" \t\u00a0")
    if before and before[-1] not in _DATELINE_BEFORE:
        return False
    return _DATELINE_AFTER.match(text, end) is not None


# --- context filters --------------------------------------------------------------------------


def _filter_in_context(
    text: str,
    tokens: _Tokens,
    i: int,
    width: int,
    key: str,
    places: tuple[Place, ...],
    gazetteer: Gazetteer,
    storms: frozenset[str],
) -> tuple[Place, ...]:
    """The candidates left once the words around a one-word match have had their say."""
    if width != 1:
        return places
    word = tokens.texts[i]
    if is_arabic(word):
        return _filter_arabic(tokens, i, key, places)
    if tokens.key(i) in storms:
        # "Hurricane Florence": the storm's name is no town there; a country or state is still
        # one ("Storm Georgia" is not a thing news writes).
        return tuple(p for p in places if p.kind != "city")
    return _filter_person(text, tokens, i, places, gazetteer)


def _filter_arabic(tokens: _Tokens, i: int, key: str, places: tuple[Place, ...]) -> tuple[Place, ...]:
    stripped = tokens.key(i) != key
    previous = tokens.key(i - 1) if i > 0 else ""
    if key in _COMMON_AR:
        # سيول (floods), مشهد (scene), براك (a given name): a place only where a word before it
        # announces one (في مالي, مدينة مشهد).
        return places if previous in _CUES_AR else ()
    if (
        not stripped
        and key.startswith(_ARTICLE)
        and key.endswith(_NISBA_END)
        and previous.startswith(_ARTICLE)
        and previous not in _CUES_AR
    ):
        # البورصة السعودية "the Saudi stock exchange": a definite noun followed by a definite
        # feminine nisba is a noun and its adjective. في السعودية, زار السعودية stay places.
        return tuple(p for p in places if p.kind not in ("country", "admin1"))
    return places


def _filter_person(
    text: str, tokens: _Tokens, i: int, places: tuple[Place, ...], gazetteer: Gazetteer
) -> tuple[Place, ...]:
    """Drop town readings of a one-word Latin name that the words around it make a person.

    Towns and small divisions (a parish, a sheading) are judged; a big place is spared unless
    the word is only one of its alternate names (Sam for Damascus, Luck for Lutsk).
    """
    key = tokens.key(i)
    small: list[Place] | None = None  # worked out only when needed (most mentions are kept)
    if not any(p.kind == "city" for p in places):
        small = _small_places(places, key, gazetteer)
        if not small:
            return places
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
    person = False
    if (prev is not None and prev[1] in SPEECH_VERBS) or (nxt is not None and nxt[1] in SPEECH_VERBS):
        person = True  # "said Tyler", "Tyler said"
    elif prev is not None and _name_like(*prev, gazetteer):
        person = True  # "Rod Stewart": a capitalised word before that is not a place
    elif nxt is not None and _name_like(*nxt, gazetteer) and nxt[1] not in ENGLISH_DIVISION_WORDS:
        person = True  # "Martin Roscoe", "Tyler Perry", "Sam Gallagher"
    elif _surname_or_possessive(text[bounds[2 * i + 1] : bounds[2 * i + 1] + 3]):
        person = True  # "Macy-O'Toole", "Noma's case"
    elif key in _COMMON_EN and not _placed(text, tokens, i):
        person = True  # "praises Harvey", "First aid": a word or a name, not the small town
    if not person:
        return places
    small = _small_places(places, key, gazetteer) if small is None else small
    # By identity: small holds some of these very objects, and candidates are never repeated.
    ruled_out = set(map(id, small))
    return tuple(p for p in places if id(p) not in ruled_out)


def _small_places(places: tuple[Place, ...], key: str, gazetteer: Gazetteer) -> list[Place]:
    """The towns and divisions among ``places`` that a person's name can rule out."""
    return [p for p in places if p.kind in ("city", "admin1") and not _big_by_name(p, key, gazetteer)]


def _big_by_name(place: Place, key: str, gazetteer: Gazetteer) -> bool:
    """A country or big place that this word names by its own name, not an alternate one."""
    if place.kind in ("country", "continent", "region"):
        return True
    big = place.population >= _BIG_POPULATION or gazetteer.is_capital(place)
    return big and normalize_token(place.name) == key


def _surname_or_possessive(after: str) -> bool:
    """Whether the three characters after a word make it a surname or a possessive."""
    if after[:1] == "-" and after[1:2].isupper():
        return True  # a double-barrelled name: Macy-O'Toole
    return after[:1] in ("'", "’") and after[1:2] == "s" and not after[2:3].isalpha()


def _placed(text: str, tokens: _Tokens, i: int) -> bool:
    """A locative word before (in Tyler) or a state or country after (Paradise, California)."""
    if i > 0 and tokens[i - 1].key in _CUES_EN and text[tokens[i - 1].end : tokens[i].start] == " ":
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
        and key not in _STOP_EN
        and key not in gazetteer
        and not gazetteer.is_prefix(key)
    )


def _hint(tokens: _Tokens, i: int, width: int) -> Hint:
    previous = tokens.key(i - 1) if i > 0 else ""
    if previous in _DIVISION_AR:
        return "admin1"
    if previous in _SETTLEMENT_AR:
        return "city"
    if i + width < tokens.count and tokens.key(i + width) in ENGLISH_DIVISION_WORDS:
        return "admin1"
    return ""
