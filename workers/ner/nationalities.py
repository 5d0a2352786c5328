"""Nationality words are MISC: the one correction applied to what an English tagger reads.

CoNLL-2003, which the English model learns from, tags a nationality or people word (``Qatari``,
``Egyptians``, ``British``) MISC, and never a person: 1 530 of the 1 537 such entities in its
train split are MISC, the rest LOC (``Czech`` for the Czech Republic in results tables) or ORG
(the ``Indians``, a baseball team). A tagger only knows the words it has seen, though, and
Reuters of 1996 never wrote ``Qatari`` or ``Emirati``: it reads them from their shape, as a
surname, and the dashboards would show a person called Qatari. So a PER or LOC entity whose
whole text is a nationality word is MISC. ORG is left alone: teams are named so. The words are
the adjective and plural of each country's people (``data/en_nationalities.tsv``). Nouns that
are also names (Dane, Finn, Pole, Turk) are not listed, and no listed word is part of a PER name
anywhere in CoNLL-2003's train split.

Arabic needs no such table: ANERcorp tags nationality adjectives O (1 323 of 1 398 uses), and
the model follows it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Final

from workers.core.records import EntityLabel

#: Labels a nationality word is corrected from.
CORRECTED: Final = frozenset({"PER", "LOC"})
#: Languages with a table, and its file in ``workers/ner/data``.
TABLES: Final = {"en": "en_nationalities.tsv"}


@cache
def nationality_words(lang: str) -> frozenset[str]:
    """The nationality and people words of a language (empty where none are listed)."""
    if lang not in TABLES:
        return frozenset()
    lines = (files("workers.ner") / "data" / TABLES[lang]).read_text(encoding="utf-8").splitlines()
    return frozenset(line.split("\t")[0] for line in lines if line and not line.startswith("#"))


def corrected_label(lang: str, text: str, label: EntityLabel) -> EntityLabel:
    """``label``, or MISC for a PER or LOC entity that is a nationality word of ``lang``."""
    if label in CORRECTED and text in nationality_words(lang):
        return "MISC"
    return label
