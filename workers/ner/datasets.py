"""Training data for the NER tagger: annotated corpora in BIO, split the way the tagger splits text.

A build tool, like Stanza's ``utils/datasets``: the trainer (:mod:`workers.ner.train`) imports it,
the worker never does.

Corpora come as one ``token<TAB>tag`` per line with a blank line between sentences (CoNLL-2003,
ANERcorp as ``../shared/ner/`` holds them). Each gold token is split again by the project's
tokenizer (:func:`workers.ner.tokens.split_token`), so that the tagger learns from the same
tokens it is given at run time: a token the tokenizer splits passes its tag to its first piece,
and ``I-`` to the rest. The result is Stanza's NER JSON, a list of sentences of
``{"text", "ner"}`` tokens.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workers.ner.tokens import split_token

#: Lines the CoNLL format uses as document separators, not sentences.
_DOCSTART = "-DOCSTART-"

Sentence = list[tuple[str, str]]


class CorpusError(ValueError):
    """A corpus file that is not BIO as described above; the message names the file and line."""


def read_bio(path: Path) -> Iterator[Sentence]:
    """The sentences of a BIO file, each a list of (token, tag)."""
    current: Sentence = []
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                if current:
                    yield current
                current = []
                continue
            token, sep, tag = line.rpartition("\t")
            if not sep:
                parts = line.split()
                if len(parts) < 2:
                    raise CorpusError(f"{path}:{number}: expected 'token<TAB>tag', got {line!r}")
                token, tag = " ".join(parts[:-1]), parts[-1]
            if token == _DOCSTART:
                continue
            tag = tag.strip().upper().replace("PERS", "PER")
            if tag != "O" and (tag[:2] not in ("B-", "I-") or len(tag) < 3):
                raise CorpusError(f"{path}:{number}: tag {tag!r} is not O, B-X or I-X")
            current.append((token, tag))
    if current:
        yield current


def retokenize(sentence: Sentence) -> Sentence:
    """The sentence as the project's tokenizer splits it; tags follow the pieces."""
    out: Sentence = []
    for token, tag in sentence:
        pieces = split_token(token) or [token]
        out.append((pieces[0], tag))
        inside = "O" if tag == "O" else "I-" + tag[2:]
        out.extend((piece, inside) for piece in pieces[1:])
    return out


def bio_repaired(sentence: Sentence) -> Sentence:
    """An ``I-X`` that follows neither ``B-X`` nor ``I-X`` opens an entity (as the scorer reads it)."""
    out: Sentence = []
    previous = "O"
    for token, tag in sentence:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append((token, tag))
        previous = tag
    return out


@dataclass(slots=True)
class CorpusStats:
    """What a training file holds, for the model's manifest."""

    sentences: int = 0
    tokens: int = 0
    entities: Counter[str] = field(default_factory=Counter)

    def add(self, sentence: Sentence) -> None:
        self.sentences += 1
        self.tokens += len(sentence)
        self.entities.update(tag[2:] for _, tag in sentence if tag.startswith("B-"))

    def as_json(self) -> dict[str, object]:
        return {
            "sentences": self.sentences,
            "tokens": self.tokens,
            "entities": dict(sorted(self.entities.items())),
        }


def prepare(sentences: Iterable[Sentence]) -> list[Sentence]:
    """Retokenized, BIO-repaired sentences."""
    return [bio_repaired(retokenize(s)) for s in sentences if s]


def write_stanza_json(sentences: Sequence[Sentence], path: Path) -> CorpusStats:
    """Write Stanza's NER JSON; returns what was written."""
    stats = CorpusStats()
    rows = []
    for sentence in sentences:
        stats.add(sentence)
        rows.append([{"text": token, "ner": tag} for token, tag in sentence])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return stats


def sha256_of(paths: Iterable[Path]) -> str:
    """One digest over the bytes of ``paths`` in the order given (the manifest's data identity)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()
