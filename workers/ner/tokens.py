"""The project's own tokenizer: words and sentences for the NER tagger, in one regex pass.

Stanza's neural tokenizer was most of the entities stage's time. The tagger now hands Stanza
pre-split tokens (``tokenize_pretokenized=True``) from :func:`sentences`, and the training data
is split by the same function (:mod:`workers.ner.datasets`), so the model sees at run time the
tokens it learned from.

The rules follow the training corpora's conventions:

* English as CoNLL-2003 splits it: punctuation apart, ``'s`` and ``n't`` as tokens of their own,
  hyphenated words, numbers with separators (``1996-08-30``, ``3,000``, ``6-4``), URLs,
  acronyms (``U.S.``) and initials (``M.``) whole, e-mail addresses whole.
* Arabic as ANERcorp splits it: clitics stay on their word (``والصادرات`` is one token, and an
  entity such as ``وإسرائيل`` keeps its ``و``), punctuation (``،`` ``؛`` ``؟``) apart, diacritics
  and tatweel inside the word.

Offsets are ``str`` indices into the text given, end exclusive, so a token is always
``text[start:end]``; nothing is normalised, which keeps offsets valid on the raw title and body.
"""

from __future__ import annotations

import re
from typing import Final

#: Letters and digits, plus the combining marks Python's ``\\w`` leaves out (Arabic harakat,
#: Quranic marks, Latin combining accents): a vowelled Arabic word is one token.
_W: Final = (
    r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u200c\u200d]"
)

#: Abbreviations CoNLL keeps with their full stop (titles, months, ``vs.``); initials and
#: dotted acronyms are covered by their own alternatives.
_ABBREVIATIONS: Final = (
    "Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Col|Lt|Sgt|Capt|Cmdr|Adm|Gov|Sen|Rep|Rev|Prof|Messrs|Inc|Corp|Ltd|Co|"
    "Bros|No|vs|Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec|Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ill|"
    "Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|Okla|Ore|Pa|Tenn|Tex|Va|Vt|Wash|Wis|Wyo"
)

_TOKEN: Final = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"  # URLs, minus the punctuation after them
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses, tried only where a run starts
    rf"|[#@]{_W}+"  # hashtags and handles (``#انفجار_بيروت`` is one word)
    r"|(?:[A-Za-z]\.){2,}"  # U.S., U.N., a.m.
    rf"|(?:{_ABBREVIATIONS})\.(?!\w)"
    r"|[A-Z]\.(?=\s+[A-Z]|$)"  # an initial before a name: M. Gorbachev
    r"|[A-Z]{1,3}\$|[A-Z]+&[A-Z]+"  # US$, HK$; S&P, AT&T
    r"|(?i:n['’]t|['’](?:s|re|ve|ll|d|m))(?!\w)"  # a clitic already split off: 's
    r"|\d+(?:[.,:/]\d+)+"  # 3,000  12.5  1/2  12:30
    rf"|{_W}+(?:[-'’]{_W}+)*"  # words, with inner hyphens and apostrophes (O'Neill, all-rounder)
    r"|\.{2,}|-{2,}|…"
    r"|\S",
    re.UNICODE,
)

#: English clitics CoNLL writes as tokens of their own: ``England's`` -> ``England`` ``'s``.
_CLITIC: Final = re.compile(r"(?i)(?<=\w)(n['’]t|['’](?:s|re|ve|ll|d|m))$")

#: Tokens after which a sentence may end, and closing marks that still belong to it.
_FINAL: Final = frozenset({".", "!", "?", "؟", "...", "…", "!!", "??"})
_CLOSING: Final = frozenset({'"', "'", "”", "’", "»", ")", "]", "}"})

#: A sentence longer than this many tokens is cut: Stanza's tagger is quadratic in nothing, but
#: one pathological run-on "sentence" (a table, a list of names) would make one huge batch.
MAX_SENTENCE_TOKENS: Final = 200

Token = tuple[int, int]


def words(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """(start, end) of every token in ``text[start:end]``, in order."""
    out: list[Token] = []
    for m in _TOKEN.finditer(text, start, len(text) if end is None else end):
        a, b = m.span()
        if b - a > 2:
            clitic = _CLITIC.search(text, a, b)
            if clitic is not None and clitic.start() > a:
                out.append((a, clitic.start()))
                out.append((clitic.start(), b))
                continue
        out.append((a, b))
    return out


def sentences(text: str) -> list[list[Token]]:
    """The tokens of ``text`` grouped into sentences.

    A sentence ends at a line break, and after sentence-final punctuation (with any closing
    quotes or brackets) that whitespace follows. Headlines and datelines, one per line in wire
    copy, are sentences of their own.
    """
    out: list[list[Token]] = []
    for line in re.finditer(r"[^\n]+", text):
        current: list[Token] = []
        tokens = words(text, line.start(), line.end())
        for k, (a, b) in enumerate(tokens):
            current.append((a, b))
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if nxt is None:
                break
            tok = text[a:b]
            ends = tok in _FINAL or (tok in _CLOSING and len(current) > 1 and _ended(text, current[-2]))
            if (ends and nxt[0] > b and text[nxt[0] : nxt[1]] not in _CLOSING) or (
                len(current) >= MAX_SENTENCE_TOKENS
            ):
                out.append(current)
                current = []
        if current:
            out.append(current)
    return out


def _ended(text: str, token: Token) -> bool:
    return text[token[0] : token[1]] in _FINAL


def split_token(token: str) -> list[str]:
    """``token`` as the tokenizer splits it (most training tokens stay whole: ``(د`` -> ``(`` ``د``)."""
    return [token[a:b] for a, b in words(token)]
