"""Stanza's NER tagger run on pre-split sentences, with a confidence for every tag.

Stanza's NER processor decodes its CRF with Viterbi and keeps only the best tags. The places
stage needs to know how sure the tagger was where it disagrees with the gazetteer
(:mod:`workers.pipeline.agreement`), so this runs the same model on the same batches as
``NERProcessor.process`` (Stanza 1.15's data loader, forward pass and Viterbi decode, so the tags
are the processor's own), and adds each token's marginal probability of its decoded tag under
the CRF (forward-backward over the same emission and transition scores).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TaggedSentence:
    """One sentence's BIOES tags and, per token, the probability of its tag."""

    tags: list[str]
    confidence: list[float]


def marginals(scores: FloatArray, transitions: FloatArray) -> FloatArray:
    """P(tag j at token t | sentence) under a linear-chain CRF with these scores.

    ``scores``: tokens x tags emission scores; ``transitions[i, j]``: score of tag i followed by
    tag j. No start or end scores, as in Stanza's ``viterbi_decode``.
    """
    n = scores.shape[0]
    alpha = np.empty_like(scores)
    beta = np.zeros_like(scores)
    alpha[0] = scores[0]
    for t in range(1, n):
        alpha[t] = scores[t] + _logsumexp(alpha[t - 1][:, None] + transitions, axis=0)
    for t in range(n - 2, -1, -1):
        beta[t] = _logsumexp(transitions + (scores[t + 1] + beta[t + 1])[None, :], axis=1)
    log_z = _logsumexp(alpha[n - 1], axis=0)
    out: FloatArray = np.exp(alpha + beta - log_z)
    return out


def _logsumexp(x: FloatArray, axis: int) -> FloatArray:
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    summed: FloatArray = np.log(np.sum(np.exp(x - top), axis=axis)) + np.squeeze(top, axis=axis)
    return summed


def tag_sentences(pipeline: Any, sentences: Sequence[Sequence[str]]) -> list[TaggedSentence]:
    """Tags and confidences for pre-split ``sentences`` from a ``tokenize_pretokenized`` Stanza
    pipeline whose NER processor holds one model (the project's trained models do)."""
    import torch
    from stanza.models.common import utils
    from stanza.models.common.crf import viterbi_decode
    from stanza.models.common.vocab import VOCAB_PREFIX_SIZE
    from stanza.models.ner.data import DataLoader
    from stanza.models.ner.trainer import fix_singleton_tags, unpack_batch

    if not sentences:
        return []
    document = pipeline.processors["tokenize"].process([list(s) for s in sentences])
    ner = pipeline.processors["ner"]
    trainer, config = ner.trainers[0], ner.configs[0]
    model = trainer.model
    device = next(model.parameters()).device
    out: list[TaggedSentence] = []
    with torch.no_grad():
        model.eval()
        loader = DataLoader(
            document, config["batch_size"], config, vocab=trainer.vocab, evaluation=True,
            preprocess_tags=False, bert_tokenizer=model.bert_tokenizer,
        )  # fmt: skip
        for batch in loader:
            inputs, orig_idx, word_orig_idx, char_orig_idx, sentlens, wordlens, charlens, charoffsets = (
                unpack_batch(batch, device)
            )
            word, wordchars, wordchars_mask, chars, tags = inputs
            _, logits, trans = model(
                word, wordchars, wordchars_mask, tags, word_orig_idx, sentlens, wordlens, chars,
                charoffsets, charlens, char_orig_idx,
            )  # fmt: skip
            scores = logits[0].data.cpu().numpy().astype(np.float64)
            transitions = trans[0].data.cpu().numpy().astype(np.float64)
            found: list[TaggedSentence] = []
            for i in range(scores.shape[0]):
                emitted = scores[i, : sentlens[i]]
                ids = viterbi_decode(emitted, transitions)[0]
                probs = marginals(emitted, transitions)
                sure = [float(probs[t, k]) for t, k in enumerate(ids)]
                # Stanza's patch for a decode below "O": such a tag is read as the first real one.
                ids = [k if k >= VOCAB_PREFIX_SIZE else VOCAB_PREFIX_SIZE for k in ids]
                names = trainer.vocab["tag"].unmap([(k,) for k in ids])
                names = [x[0] if isinstance(x, list | tuple) else x for x in names]
                found.append(TaggedSentence(fix_singleton_tags(names), sure))
            out += utils.unsort(found, orig_idx)
    return out
