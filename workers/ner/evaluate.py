"""Score a trained NER model on annotated sentences: strict span and label, per label.

A build tool (``khabar models train`` records these figures in the model's manifest); the
worker never imports it. ``micro`` averages PER, ORG and LOC, as the project's evaluation
scorer does; MISC is reported on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workers.ner.datasets import Sentence

#: Labels the micro average covers (those the evaluation scorer scores).
MICRO_LABELS = ("PER", "ORG", "LOC")

Spans = set[tuple[int, int, int, str]]  # (sentence, first token, last token, label)


def bio_spans(sentence: int, tags: Sequence[str]) -> Spans:
    """Entities of one sentence's tags, read as :func:`workers.ner.tagger.entity_runs` reads them."""
    from workers.ner.tagger import entity_runs

    return {(sentence, first, last, label) for label, first, last in entity_runs(tags)}


def prf(gold: Spans, pred: Spans) -> dict[str, float]:
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "gold": len(gold), "pred": len(pred)}


def scores(gold: Spans, pred: Spans) -> dict[str, Any]:
    labels = sorted({s[3] for s in gold | pred})
    out: dict[str, Any] = {label: prf(_only(gold, label), _only(pred, label)) for label in labels}
    micro = set(MICRO_LABELS)
    out["micro"] = prf({s for s in gold if s[3] in micro}, {s for s in pred if s[3] in micro})
    return out


def _only(spans: Iterable[tuple[int, int, int, str]], label: str) -> Spans:
    return {s for s in spans if s[3] == label}


def score_model(
    lang: str, ner_path: Path, sentences: Sequence[Sentence], batch_size: int = 64
) -> dict[str, Any]:
    """Tag ``sentences`` (already split by the project's tokenizer) with the model at
    ``ner_path`` on pre-split tokens, as the worker does, and score it against their tags."""
    from workers.ner.registry import ModelSpec
    from workers.ner.tagger import build_pipeline

    spec = ModelSpec(
        lang=lang,
        kind="trained",
        directory=ner_path.parent,
        tokenize_path=None,
        ner_path=ner_path,
        needs_mwt=False,
        labels=(),
        pretokenized=True,
        version="evaluation",
        manifest={},
    )
    pipeline = build_pipeline(spec, batch_size)
    doc = pipeline([[token for token, _ in sentence] for sentence in sentences])
    gold: Spans = set()
    pred: Spans = set()
    for k, (sentence, tagged) in enumerate(zip(sentences, doc.sentences, strict=True)):
        gold |= bio_spans(k, [tag for _, tag in sentence])
        pred |= bio_spans(k, [token.ner for token in tagged.tokens])
    return scores(gold, pred)
