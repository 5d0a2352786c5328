"""Text normalisation shared by the gazetteer index and the matcher.

Index keys and article text go through exactly the same functions, so a name matches whatever
spelling variation the rules fold away: Arabic diacritics, tatweel and letter variants; Latin
case and accents. Normalisation works on single tokens because offsets into the article are
kept per token (a normalised string is not the same length as the original).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# Short vowels, shadda, sukun, hamza/madda marks and the dagger alef: writers use them
# inconsistently (most news text has none), so they must never decide a match.
_ARABIC_DIACRITICS = (*range(0x064B, 0x0660), 0x0670)
_TATWEEL = 0x0640
# Joiners and direction marks are invisible: they show up inside pasted Persian/Arabic names.
_INVISIBLE = (0x200C, 0x200D, 0x200E, 0x200F)

_ARABIC_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_ARABIC_DIACRITICS),
    _TATWEEL: None,
    **dict.fromkeys(_INVISIBLE),
    # Hamza on alef and the wasla/madda forms are spelled at will in news text.
    ord("أ"): "ا",
    ord("إ"): "ا",
    ord("آ"): "ا",
    ord("ٱ"): "ا",
    # Final ya and taa marbuta are routinely written without their dots (Egyptian usage, OCR).
    ord("ى"): "ي",
    ord("ة"): "ه",
}

# Persian/Urdu letters (ی ک گ پ) are deliberately left alone: folding them into Arabic letters
# would let Persian and Urdu transliterations of foreign towns collide with ordinary Arabic words.

# Hamza above/below that NFKD splits off waw and ya (ؤ ئ) are letters, not accents: keep them
# so that NFC can put the letter back together.
_KEEP_MARKS = frozenset({0x0654, 0x0655})


def _mark_code_points(categories: frozenset[str]) -> list[int]:
    # The Basic Multilingual Plane holds every combining mark news text uses; scanning it once
    # at import costs ~10 ms, far less than a hand-kept list would cost to get right.
    return [cp for cp in range(0x10000) if unicodedata.category(chr(cp)) in categories]


_ACCENT_CODE_POINTS = [cp for cp in _mark_code_points(frozenset({"Mn", "Me"})) if cp not in _KEEP_MARKS]


def _ranges(code_points: list[int]) -> str:
    parts: list[str] = []
    start = prev = code_points[0]
    for cp in [*code_points[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(
            re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}"
        )
        start = prev = cp
    return "".join(parts)


# Python's \w leaves out combining marks, so a plain \w+ would cut "دَوْحَة" or a decomposed
# "é" into pieces. Underscore is left out so that hashtags like #انفجار_بيروت split into words.
_IN_WORD = _ranges(sorted({*_mark_code_points(frozenset({"Mn", "Mc", "Me"})), _TATWEEL, *_INVISIBLE[:2]}))
TOKEN_RE = re.compile(rf"(?:[^\W_]|[{_IN_WORD}])+")
#: The character class (body, without brackets) of the marks and joiners a word may hold.
IN_WORD = _IN_WORD
#: A hashtag: '#' and the word characters, marks and underscores glued to it (#انفجار_بيروت).
HASHTAG_RE = re.compile(rf"#(?:\w|[{_IN_WORD}])+")


# Deleting characters with a compiled class is several times faster than str.translate with a
# dict, which matters for the ~400k name tokens indexed at start-up.
_ACCENTS = re.compile(f"[{_ranges(_ACCENT_CODE_POINTS)}]+")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u200c-\u200f\ufb50-\ufdff\ufe70-\ufeff]")


def normalize(text: str) -> str:
    """Fold ``text`` (a token or a name) to its comparison form.

    Arabic: no diacritics or tatweel, one alef, ى -> ي, ة -> ه. Everything else: casefolded,
    compatibility-decomposed and without accents.
    """
    if text.isascii():
        return text.lower()
    if _ARABIC_SCRIPT.search(text):
        # NFKC first turns presentation forms (ﺃ) and decomposed hamza into the plain letters
        # the table knows; the table must run before NFKD splits أ into ا + hamza.
        text = unicodedata.normalize("NFKC", text).translate(_ARABIC_TABLE)
    decomposed = _ACCENTS.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return unicodedata.normalize("NFC", decomposed)


#: Article text repeats its words; normalising each distinct token once keeps matching cheap.
normalize_token = lru_cache(maxsize=1 << 16)(normalize)


_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_DIRECTION_MARKS = re.compile("[\u200e\u200f]")


def name_key(name: str) -> str:
    """The index key of a name: its normalised word tokens joined by single spaces."""
    if name.isascii():
        # Same tokens and folding as the general path, minus the per-token calls: the index
        # builds a couple of hundred thousand keys, most of them ASCII.
        return " ".join(_ASCII_WORD.findall(name.lower()))
    # Normalising the whole name once and then splitting gives the same words as splitting
    # first (every fold works per character), except for direction marks, which separate words
    # in text but would vanish inside one here: they become spaces first.
    return " ".join(TOKEN_RE.findall(normalize(_DIRECTION_MARKS.sub(" ", name))))


def is_arabic(word: str) -> bool:
    """True when the word starts with a letter of the Arabic block (Arabic, Persian, Urdu)."""
    return bool(word) and "\u0600" <= word[0] <= "\u06ff"


def is_cased(ch: str) -> bool:
    """True for letters of scripts with upper and lower case (Latin, Greek, Cyrillic...)."""
    return ch.isupper() or ch.islower()


_ARABIC_MARKS = frozenset(chr(cp) for cp in (*_ARABIC_DIACRITICS, _TATWEEL))


def is_arabic_mark(ch: str) -> bool:
    """True for Arabic diacritics and tatweel, which normalisation removes."""
    return ch in _ARABIC_MARKS


class Variant(NamedTuple):
    """A spelling of a word with its leading proclitics removed.

    ``stripped`` counts characters of the original word (diacritics included), so that
    ``word[stripped:]`` is the part a mention span should cover. ``key`` is normalised.
    """

    stripped: int
    key: str


_CONJUNCTIONS = frozenset("وف")
_PREPOSITIONS = frozenset("بلك")
_LAM = "ل"
_KAF = "ك"
_ARTICLE = "ال"
_IGNORABLE = _ARABIC_MARKS | {chr(cp) for cp in _INVISIBLE}


def proclitic_variants(word: str, min_letters: int = 3) -> tuple[Variant, ...]:
    """Every reading of ``word`` with leading Arabic proclitics removed, least stripped first.

    Proclitics come in a fixed order: a conjunction (و ف), then a preposition (ب ل, and ك before
    the article only), then the article ال. ل before the article drops the article's alef
    (للدوحة = ل + الدوحة), so that case also yields the article form with the alef put back;
    its span starts at the article's lam.
    The first item is always the unstripped word. A reading is dropped when fewer than
    ``min_letters`` letters would remain, because short remainders are mostly other words.
    """
    whole = normalize(word)
    found: list[Variant] = [Variant(0, whole)]
    if not is_arabic(word):
        return tuple(found)
    # Offsets of the letters in the original word, so that diacritics after a proclitic
    # (وَلبنان) are stripped along with it.
    offsets = [i for i, ch in enumerate(word) if ch not in _IGNORABLE]
    letters = "".join(word[i] for i in offsets).translate(_ARABIC_TABLE)
    seen = {whole}

    def add(n_letters: int, prefix: str = "") -> None:
        if len(letters) - n_letters < min_letters:
            return
        key = prefix + normalize(word[offsets[n_letters] :])
        if key not in seen:
            seen.add(key)
            found.append(Variant(offsets[n_letters], key))

    conjunction_ends = [0, 1] if letters[:1] in _CONJUNCTIONS else [0]
    for after_conj in conjunction_ends:
        if after_conj:
            add(after_conj)
        ends = [after_conj]
        preposition = letters[after_conj : after_conj + 1]
        # ك "like" before a bare name is rare in news, while words starting with ك are many
        # (كريم -> ريم, a spelling of Rome): it is only stripped before the article (كالقاهرة).
        if preposition in _PREPOSITIONS and (
            preposition != _KAF or letters.startswith(_ARTICLE, after_conj + 1)
        ):
            after_prep = after_conj + 1
            add(after_prep)
            ends.append(after_prep)
            if letters[after_conj] == _LAM and letters[after_prep : after_prep + 1] == _LAM:
                add(after_prep, prefix="ا")
                add(after_prep + 1)
        for end in ends:
            if letters.startswith(_ARTICLE, end):
                add(end + len(_ARTICLE))
    found[1:] = sorted(found[1:], key=lambda v: v.stripped)
    return tuple(found)


#: Marks that can tell two spellings apart when a writer bothers to write them: shadda doubles
#: a letter (عمّان, Amman) and short vowels fix a reading (عُمان, Oman). Tanween and the dagger
#: alef never decide between place names.
_SHADDA = "\u0651"
_VOWELS = frozenset("\u064e\u064f\u0650\u0652")
_SIGNATURE_MARKS = _VOWELS | {_SHADDA}


def mark_signature(text: str) -> tuple[tuple[int, str], ...]:
    """The written shadda and short vowels of an Arabic word or name, by letter position.

    Letters are counted after normalisation drops marks and tatweel, so the positions of a name
    and of the same name in article text line up. ``()`` when nothing is marked.
    """
    marks: dict[int, str] = {}
    letter = -1
    for ch in text:
        if ch in _SIGNATURE_MARKS:
            if letter >= 0:
                marks[letter] = marks.get(letter, "") + ch
        elif ch == " ":
            letter += 1  # names are compared key to key, and keys keep one space between words
        elif not is_arabic_mark(ch) and ch not in "\u200c\u200d":
            letter += 1
    return tuple((i, "".join(sorted(m))) for i, m in sorted(marks.items()))


def marks_agree(written: tuple[tuple[int, str], ...], known: tuple[tuple[int, str], ...]) -> bool:
    """Whether marks written in text fit a known diacritised spelling of a name.

    Writers who mark anything mark the shadda first, so a shadda written where a marked spelling
    has none is a different word (عمّان is Amman, not عُمان Oman). Otherwise only letters marked
    in both count: two different short vowels disagree, unmarked letters agree with anything.
    """
    if not written or not known:
        return True
    known_at = dict(known)
    for position, marks in written:
        other = known_at.get(position, "")
        if _SHADDA in marks and _SHADDA not in other:
            return False
        vowels, other_vowels = set(marks) & _VOWELS, set(other) & _VOWELS
        if vowels and other_vowels and vowels != other_vowels:
            return False
        if _SHADDA in other and vowels and _SHADDA not in marks:
            return False
    return True
