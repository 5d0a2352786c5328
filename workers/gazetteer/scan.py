"""What one pass of the matcher over one text works on: its tokens, and what it found at each.

The matcher (:mod:`workers.gazetteer.matcher`) and its language rules
(:mod:`workers.gazetteer.rules_en`, :mod:`workers.gazetteer.rules_ar`) share these records, so
they live below all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from workers.core.records import Place
from workers.gazetteer.index import Gazetteer
from workers.gazetteer.normalize import IN_WORD, TOKEN_RE, normalize_token


class Token(NamedTuple):
    start: int
    end: int
    text: str
    key: str  # normalised; "" for a token that is nothing but marks


def tokenize(text: str) -> list[Token]:
    """Word tokens with their offsets (Python str indices) and normalised keys."""
    return [Token(m.start(), m.end(), m.group(), normalize_token(m.group())) for m in TOKEN_RE.finditer(text)]


# TOKEN_RE as a split pattern (tokens at odd positions, the text between them at even ones). In
# text without an underscore one character class does the same as TOKEN_RE's "word character
# but not underscore, or a mark" alternation, at a third of the cost.
_SPLIT = re.compile(f"({TOKEN_RE.pattern})")
_SPLIT_NO_UNDERSCORE = re.compile(rf"([\w{IN_WORD}]+)")


class Tokens(dict[int, Token]):
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


class Hit(NamedTuple):
    """The best name starting at one token, before the words around it have had their say.

    Nothing in it depends on where the token stands, so the matcher can remember the hit of a
    word whose reading needs no context. ``places`` is empty for a phrase that is no place (New
    York Times): the words are consumed, nothing is tagged.
    """

    width: int  # in tokens
    stripped: int  # characters of proclitics left out of the name (ولبنان -> لبنان: 1)
    key: str
    places: tuple[Place, ...]
    weak: bool  # see Mention.weak


class Qualifier(NamedTuple):
    """A state abbreviation after a town (Paris, Tex.; Malibu, CA), which ends where the
    abbreviation's period does, not where its last token does."""

    width: int  # in tokens
    end: int  # character offset
    places: tuple[Place, ...]


@dataclass(slots=True)
class Scan:
    """One text as the matcher reads it, and what the context rules may consult about it.

    ``in_hashtag`` holds the indices of tokens inside a hashtag (names never widen into one);
    ``storms`` the keys of names a storm word precedes anywhere in the text (Hurricane Harvey).
    """

    text: str
    tokens: Tokens
    gazetteer: Gazetteer
    in_hashtag: set[int]
    storms: frozenset[str]


# CamelCase parts of a hashtag: #PuertoRico, #USVirginIslands, #KeralaFloods2018.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")


def camel_parts(word: str) -> list[str]:
    """The words a hashtag glues together by case (PuertoRico -> Puerto, Rico)."""
    if not word.isascii() or word.islower() or word.isupper():
        return [word]
    return _CAMEL.findall(word) or [word]
