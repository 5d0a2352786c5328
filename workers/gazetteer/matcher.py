"""Finding gazetteer names in article text: longest match first, left to right.

Besides plain names the matcher knows the shapes news and social media give them: hashtags
(#Beirut, #SriLanka, but not #KuwaitRains), AP datelines (WASHINGTON (AP) —), state
abbreviations after a town (Paris, Tex.; Malibu, CA). It also drops readings that the
surrounding words show to be something else: a person (Mr Stewart, Tyler said, Rod Stewart), a
storm (Hurricane Harvey), an Arabic adjective (البورصة السعودية) or a common Arabic word that
some place is also called (سيول floods, not Seoul). Everything is a scan over the tokens with
dictionary look-ups: no regular expression runs over the article beyond tokenising.

This module holds the scan itself (:class:`Matcher`); what is particular to a script lives in
:mod:`workers.gazetteer.rules_en` and :mod:`workers.gazetteer.rules_ar`, hashtags in
:mod:`workers.gazetteer.hashtags`, and the records they share in :mod:`workers.gazetteer.scan`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import compress
from typing import Literal, NamedTuple

from workers.core.records import Place, Span, TextField
from workers.gazetteer import rules_ar, rules_en
from workers.gazetteer.hashtags import hashtags, match_hashtag
from workers.gazetteer.index import Gazetteer, default_gazetteer
from workers.gazetteer.normalize import TOKEN_RE, Variant, is_arabic, normalize_token
from workers.gazetteer.rules_en import CONNECTORS, case_shape
from workers.gazetteer.scan import Hit, Scan, Tokens
from workers.gazetteer.scan import tokenize as tokenize  # re-exported: callers find it here
from workers.gazetteer.sources import is_minor

Hint = Literal["", "admin1", "city"]


class ContextRule(NamedTuple):
    """A rule that reads the words around a one-word hit at token i: ``judge`` returns the
    candidates it leaves, or None when it has nothing to say about that word."""

    arabic: bool  # it judges Arabic words; otherwise every other word (Latin or any script)
    judge: Callable[[Scan, int, Hit], tuple[Place, ...] | None]


#: The context rules, in the order they are asked. The first rule with something to say decides
#: and the later ones are not asked: a common Arabic word is not also judged as an adjective,
#: nor a storm's name as a person's. Multi-word hits are judged by none: a name of several
#: words is no common word, adjective, storm or person's name.
CONTEXT_RULES: tuple[ContextRule, ...] = (
    ContextRule(arabic=True, judge=rules_ar.common_word),
    ContextRule(arabic=True, judge=rules_ar.nisba_adjective),
    ContextRule(arabic=False, judge=rules_en.storm_name),
    ContextRule(arabic=False, judge=rules_en.person),
)

# What may separate the words of one name: spaces, hyphens, apostrophes, an abbreviation's
# period (St. Louis, U.S.). Commas, brackets, slashes and line breaks end a name, so that
# "Paris, Texas" or a list of cities is read word by word.
_JOINER = re.compile(r"[ \t\u00a0\-\u2010\u2011\u2013'\u2019.]{1,3}")


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


#: Token flags (see :meth:`Matcher._flags_of`). A token that has none of the first three is skipped.
_MATCH = 1  # some reading of the word is itself a key (a name, an acronym or a blocked phrase)
_WIDEN = 2  # some reading begins longer keys: only a next word can make it a name
_AFTER = 4  # an after-name abbreviation (Calif., N.J., TX) is or begins with it
_STORM = 8  # a storm word (Hurricane)
#: Not in capitals: what _match_at finds at the word alone (width 1) depends on the word only.
_PLAIN = 16
_CAN_START = _MATCH | _WIDEN | _AFTER
#: Each memo of a matcher is emptied when it grows past this many token texts.
MEMO_MAX = 200_000


class Matcher:
    """Finds the names of one gazetteer in text, remembering what it learnt about each word.

    News vocabulary repeats, so what a token text can start, what a word finds alone and which
    words can follow it in a longer name are remembered across texts (each memo bounded by
    ``memo_max`` entries). The memos depend on the gazetteer's keys only: build one matcher per
    gazetteer and keep it.
    """

    __slots__ = ("follow_memo", "gazetteer", "match_memo", "memo_max", "token_memo")

    def __init__(self, gazetteer: Gazetteer, *, memo_max: int = MEMO_MAX) -> None:
        self.gazetteer = gazetteer
        self.memo_max = memo_max
        #: Flags of each token text (see :meth:`_flags_of`).
        self.token_memo: dict[str, int] = {}
        #: The hit at a word whose reading needs no context (see ``_PLAIN``).
        self.match_memo: dict[str, Hit | None] = {}
        #: The words that can follow a token text in a longer name.
        self.follow_memo: dict[str, frozenset[str]] = {}

    @classmethod
    def load(cls) -> Matcher:
        """The process-wide matcher of :meth:`Gazetteer.load`'s gazetteer."""
        return default_matcher()

    def find_mentions(self, text: str, field: TextField) -> list[tuple[Span, tuple[Place, ...]]]:
        """Every gazetteer name in ``text`` with its candidate places, in text order.

        At each token the widest name wins (Tel Aviv over Tel); matching resumes after it, so
        mentions never overlap. Arabic words are also tried without leading proclitics, and the
        span then leaves the proclitic out (ولبنان -> لبنان). Cased words must be capitalised.
        Readings that need the rest of the article to back them (see :class:`Mention`), small
        towns among them, are left out.
        """
        found = []
        for mention in self.find_candidates(text, field):
            places = tuple(p for p in mention.places if not is_minor(p))
            if places and not mention.weak:
                found.append((mention.span, places))
        return found

    def find_candidates(self, text: str, field: TextField) -> list[Mention]:
        """Like :meth:`find_mentions`, with hints and the weak readings the article must confirm."""
        gazetteer = self.gazetteer
        tokens = Tokens(text)
        flags = self._token_flags(tokens.texts)
        tags = hashtags(text, tokens)
        in_hashtag = {j for first, (last, _, _) in tags.items() for j in range(first, last)}
        storms = rules_en.storm_names(tokens, map(_STORM.__and__, flags), in_hashtag)
        scan = Scan(text, tokens, gazetteer, in_hashtag, storms)
        # Only these tokens can start anything: the others are skipped without a look, which is
        # what the scan below would conclude about them (see _flags_of).
        stops = list(compress(range(tokens.count), map(_CAN_START.__and__, flags)))
        if tags:
            stops = sorted({*stops, *tags})
        found: list[Mention] = []
        last_end = -1  # end of the previous mention, for abbreviations that must follow one
        i = 0
        next_stop = 0
        while True:
            next_stop = bisect_left(stops, i, next_stop)
            if next_stop == len(stops):
                break
            i = stops[next_stop]
            if i in tags:
                last, start, end = tags[i]
                tagged = match_hashtag(scan, i, last)
                if tagged is not None:
                    start += tagged.stripped
                    span = Span(text[start:end], start, end, field)
                    found.append(Mention(span, tagged.places, _hint(tokens, i, last - i)))
                i = last
                continue
            if not flags[i] & _MATCH and not self._may_match(scan, i, flags[i]):
                i += 1
                continue
            # Only a word flagged _AFTER can begin an abbreviation after a name.
            qualifier = rules_en.after_name(scan, i, last_end) if flags[i] & _AFTER else None
            if qualifier is not None:
                start, end = tokens[i].start, qualifier.end
                found.append(Mention(Span(text[start:end], start, end, field), qualifier.places))
                last_end = end
                i += qualifier.width
                continue
            if flags[i] & _PLAIN and not (flags[i] & _WIDEN and self._continued(tokens, i)):
                # No longer name can start here, so what is found is the word's own reading: the
                # same wherever the word stands.
                word = tokens.texts[i]
                alone = self.match_memo
                if word in alone:
                    hit = alone[word]
                else:
                    if len(alone) > self.memo_max:
                        alone.clear()
                    hit = alone[word] = self._match_at(scan, i)
            else:
                hit = self._match_at(scan, i)
            if hit is None:
                i += 1
                continue
            width = hit.width
            if not hit.places:
                i += width
                continue  # a phrase that is not a place (New York Times): consumed, not tagged
            start, end = tokens.bounds[2 * i] + hit.stripped, tokens.bounds[2 * (i + width) - 1]
            if text[end : end + 1] == "." and _is_dotted_abbreviation(tokens.texts[i : i + width]):
                end += 1  # U.S. and D.C. keep their last period
            places = _in_context(scan, i, hit) if width == 1 else hit.places
            if places:
                hint = _hint(tokens, i, width)
                found.append(Mention(Span(text[start:end], start, end, field), places, hint, hit.weak))
                last_end = end
            i += width
        return found

    def lookup_phrase(self, text: str) -> tuple[tuple[Place, ...], int, int] | None:
        """Places named by a whole phrase (an entity's text), with the span of the name in it.

        Descriptors and proclitics are set aside: ``مدينة القدس`` -> Jerusalem (``القدس``),
        ``وبيروت`` -> Beirut (``بيروت``), ``the State of Texas`` -> Texas. Used for spans an NER
        model labels as locations; ``None`` when the phrase is no known name.
        """
        tokens = [t for t in tokenize(text) if t.key]
        while tokens and (tokens[0].key in rules_ar.CUES or tokens[0].key in _PHRASE_DROP):
            tokens = tokens[1:]
        while tokens and tokens[-1].key in _PHRASE_DROP:
            tokens = tokens[:-1]
        if not tokens:
            return None
        rest = " ".join(t.key for t in tokens[1:])
        first = tokens[0]
        readings = rules_ar.readings(first.text) if is_arabic(first.text) else (Variant(0, first.key),)
        for variant in readings:
            key = f"{variant.key} {rest}".strip()
            if len(tokens) == 1 and variant.stripped and len(key) < rules_ar.MIN_STRIPPED_KEY:
                continue
            places = self.gazetteer.lookup(key) or self.gazetteer.lookup_acronym(key)
            if places:
                return places, first.start + variant.stripped, tokens[-1].end
        return None

    # --- what a token can start, whatever its context -----------------------------------------

    def _token_flags(self, texts: list[str]) -> list[int]:
        """Flags of each token text, from the memo."""
        memo = self.token_memo
        flags: list[int | None] = list(map(memo.get, texts))
        if None not in flags:
            return flags  # type: ignore[return-value]  # no None in it
        if len(memo) > self.memo_max:
            memo.clear()
        for text in set(texts).difference(memo):
            memo[text] = self._flags_of(text)
        return list(map(memo.__getitem__, texts))

    def _flags_of(self, text: str) -> int:
        """What a token with this text can begin, whatever its context.

        :meth:`_match_at` can only find something at a token one of whose readings (see
        :func:`_readings`) is a key (``_MATCH``) or begins a longer one (``_WIDEN``), and
        :func:`rules_en.after_name` only at a capitalised ASCII word that is or begins an
        after-name abbreviation (``_AFTER``). A word starting lowercase is never accepted by
        :func:`rules_en.cased_lookup` as a name's first word unless it is a connector, so there
        only a blocked phrase can start.
        """
        gazetteer = self.gazetteer
        key = normalize_token(text)
        flags = _STORM if key in rules_en.STORMS else 0
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
        cased, upper = case_shape(text)
        # No look at the text around: only a word in capitals has its dateline read; an Arabic
        # word with any cased letter is left out rather than reasoned about.
        if flags & _MATCH and not (cased >= 2 and cased == upper if not is_arabic(text) else cased):
            flags |= _PLAIN
        return flags

    def _may_match(self, scan: Scan, i: int, flag: int) -> bool:
        """Whether anything can be found at token i (False only where the full look would find
        nothing): a ``_WIDEN`` word needs a next word that continues one of its readings, an
        ``_AFTER`` word a period after it or two capitals (see :func:`rules_en.after_name`)."""
        if flag & _MATCH:
            return True
        text, tokens = scan.text, scan.tokens
        if flag & _AFTER:
            word = tokens.texts[i]
            end = tokens.bounds[2 * i + 1]
            if text[end : end + 1] == "." or len(word) == 2:
                return True  # two capitals, or a tweet's "Paradise,Ca" (rules_en.after_name)
        if flag & _WIDEN:
            nxt = i + 1
            if nxt >= tokens.count or nxt in scan.in_hashtag:
                return False
            if self._continued(tokens, i):
                return _JOINER.fullmatch(text, tokens.bounds[2 * i + 1], tokens.bounds[2 * nxt]) is not None
        return False

    def _continued(self, tokens: Tokens, i: int) -> bool:
        """Whether token i and the next word begin some indexed key in one of the first's readings.

        When they do not, :meth:`_match_at` cannot widen past token i whatever lies between them.
        """
        nxt = i + 1
        if nxt >= tokens.count:
            return False
        second = normalize_token(tokens.texts[nxt])
        if not second:
            return False
        first = tokens.texts[i]
        memo = self.follow_memo
        follow = memo.get(first)
        if follow is None:
            readings = _readings(first, normalize_token(first))
            if not any(" " in r for r in readings):
                if len(memo) > self.memo_max:
                    memo.clear()
                follow = memo[first] = frozenset().union(*map(self.gazetteer.next_words, readings))
        if follow is None or " " in second:
            # A folded word can hold a space (NFKC spells some ligatures as phrases): the index of
            # single next words does not cover it, so the phrase itself is looked up.
            may_start = self.gazetteer.may_start
            return any(may_start(f"{r} {second}") for r in _readings(first, normalize_token(first)))
        return second in follow

    # --- one position ---------------------------------------------------------------------------

    def _match_at(self, scan: Scan, i: int) -> Hit | None:
        """The best name at token i, before its context has had its say."""
        text, tokens, gazetteer = scan.text, scan.tokens, self.gazetteer
        first = tokens[i]
        if not first.key:
            return None
        in_hashtag = scan.in_hashtag
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
            stripped = variant.stripped
            if gazetteer.is_blocked(key):
                return Hit(width, stripped, key, (), False)
            if width == 1 and stripped and len(key) < rules_ar.MIN_STRIPPED_KEY:
                continue
            places, weak = rules_en.cased_lookup(scan, i, width, stripped, key)
            if places and width == 1 and stripped:
                places = rules_ar.worth_a_guess(places, gazetteer)
            if places:
                places = rules_ar.by_marks(scan, i, width, stripped, key, places)
            if places:
                return Hit(width, stripped, key, places, weak)
        return None


@cache
def default_matcher() -> Matcher:
    """The matcher of the process-wide gazetteer (see :func:`default_gazetteer`), built once."""
    return Matcher(default_gazetteer())


@lru_cache(maxsize=1 << 16)
def _readings(text: str, key: str) -> tuple[str, ...]:
    """The keys :meth:`Matcher._match_at` tries for a word: its own, and for an Arabic word
    those without proclitics, except readings that would strip an article."""
    return tuple(v.key for _, v in _ranked_readings(text, key))


@lru_cache(maxsize=1 << 16)
def _ranked_readings(text: str, key: str) -> tuple[tuple[int, Variant], ...]:
    """(rank, reading) of each reading :meth:`Matcher._match_at` tries for a word (see
    :func:`_readings`).

    Text never adds an article to a name that has none (المالي is "the financial", not Mali);
    names that have one are indexed with it: readings that strip an article are left out.
    """
    if not is_arabic(text):
        return ((0, Variant(0, key)),)
    return tuple(
        (rank, v)
        for rank, v in enumerate(rules_ar.readings(text))
        if not (v.stripped and rules_ar.strips_article(text, v.stripped))
    )


def _in_context(scan: Scan, i: int, hit: Hit) -> tuple[Place, ...]:
    """The candidates of a one-word hit at token i once the words around it have had their say."""
    arabic = is_arabic(scan.tokens.texts[i])
    for rule in CONTEXT_RULES:
        if rule.arabic == arabic:
            kept = rule.judge(scan, i, hit)
            if kept is not None:
                return kept
    return hit.places


# English words a phrase may carry around a name: "the city of", "State", "County"...
_PHRASE_DROP = frozenset(
    {"the", "city", "of", "town", "village", "state", "province", "region", "governorate", "county"}
)


def _is_dotted_abbreviation(words: list[str]) -> bool:
    return len(words) > 1 and all(len(w) == 1 and w.isupper() for w in words)


#: The word right before a name, with the one space that must separate them.
_WORD_BEFORE = re.compile(rf"({TOKEN_RE.pattern}) $")


def place_cue(text: str, start: int, end: int) -> bool:
    """Whether the words around the name at ``text[start:end]`` announce a place: a locative
    word right before it ("in Salisbury", "from Kilburn", "في نابلس", "مدينة الخليل"), or an
    all-capital dateline ("ATLANTA (AP) —"). The locations stage weighs this against a tagger
    that reads the same words as a person or a team (:mod:`workers.pipeline.agreement`)."""
    name = text[start:end]
    if name.isupper() and rules_en.is_dateline(text, start, end):
        return True
    if (start == 0 or text[start - 1] == "\n") and _AGENCY_AFTER.match(text, end):
        return True  # "Hanoi (VNA) –": a dateline in ordinary case, with the agency after it
    if text[start - 1 : start] == "#":
        start -= 1  # "in #Amatrice": the locative word stands before the hashtag
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before is None:
        return False
    key = normalize_token(before.group(1))
    if key == "of":
        # "the English city of Salisbury", "the town of Southold": the unit word before "of".
        unit = _WORD_BEFORE.search(text, max(0, before.start() - 40), before.start())
        return unit is not None and normalize_token(unit.group(1)) in _UNITS_BEFORE_OF
    return key in rules_en.CUES or key in rules_ar.CUES


#: A news agency's bracketed capitals right after a name at the start of a line: (AP), (VNA).
_AGENCY_AFTER = re.compile(r" ?\([A-Z][A-Za-z]*[A-Z]\)")

#: Words that, followed by "of", announce a place's name.
_UNITS_BEFORE_OF = frozenset(
    {
        *("city", "town", "village", "hamlet", "suburb", "port", "county", "province", "state"),
        *("region", "district", "municipality", "borough", "parish", "capital", "island", "islands"),
    }
)


def _hint(tokens: Tokens, i: int, width: int) -> Hint:
    previous = tokens.key(i - 1) if i > 0 else ""
    if previous in rules_ar.DIVISIONS:
        return "admin1"
    if previous in rules_ar.SETTLEMENTS:
        return "city"
    if i + width < tokens.count and tokens.key(i + width) in rules_en.DIVISIONS:
        return "admin1"
    return ""
