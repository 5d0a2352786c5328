"""Stanza's NER tagger run on pre-split sentences, with a confidence for every tag.

Stanza's NER processor decodes its CRF with Viterbi and keeps only the best tags. The places
stage needs to know how sure the tagger was where it disagrees with the gazetteer
(:mod:`workers.pipeline.agreement`), so this runs the same model on the same batches as
``NERProcessor.process`` (Stanza 1.15's data loader and forward pass), decodes the same way
(:func:`viterbi_batch`: Stanza's Viterbi arithmetic, over the whole batch at once rather than a
Python loop per sentence, so the tags are the processor's own), and adds each token's marginal
probability of its decoded tag under the CRF (forward-backward over the same scores).
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


def viterbi_batch(
    scores: npt.NDArray[np.float32], lengths: Sequence[int], transitions: npt.NDArray[np.float32]
) -> list[list[int]]:
    """Best tag ids for every sentence of a padded batch (``scores``: sentences x tokens x tags).

    The same arithmetic as Stanza's per-sentence ``viterbi_decode`` (same dtype, same order of
    additions and maxima, first maximum on ties), so the paths are the same, but one numpy step
    per token position for the whole batch instead of one Python loop per sentence."""
    b, n, _ = scores.shape
    sizes = np.asarray(lengths)
    trellis = scores[:, 0].copy()
    back = np.zeros(scores.shape, dtype=np.int64)
    for t in range(1, n):
        v = trellis[:, :, None] + transitions[None]
        back[:, t] = np.argmax(v, axis=1)
        trellis = np.where((t < sizes)[:, None], scores[:, t] + np.max(v, axis=1), trellis)
    path = np.zeros((b, n), dtype=np.int64)
    rows = np.arange(b)
    path[rows, sizes - 1] = np.argmax(trellis, axis=1)
    for t in range(n - 1, 0, -1):
        live = t < sizes
        path[live, t - 1] = back[rows[live], t, path[live, t]]
    return [path[i, : sizes[i]].tolist() for i in range(b)]


def marginals_batch(scores: FloatArray, lengths: Sequence[int], transitions: FloatArray) -> FloatArray:
    """P(tag j at token t | sentence) under a linear-chain CRF, for every sentence of a padded
    batch (``scores``: sentences x tokens x tags; rows past a sentence's length are meaningless).

    ``transitions[i, j]`` scores tag i followed by tag j; no start or end scores, as in Stanza's
    Viterbi. Forward-backward in log space, one numpy step per token position."""
    b, n, _ = scores.shape
    sizes = np.asarray(lengths)
    alpha = np.empty_like(scores)
    beta = np.zeros_like(scores)
    alpha[:, 0] = scores[:, 0]
    for t in range(1, n):
        step = scores[:, t] + _logsumexp(alpha[:, t - 1][:, :, None] + transitions[None], axis=1)
        alpha[:, t] = np.where((t < sizes)[:, None], step, alpha[:, t - 1])
    for t in range(n - 2, -1, -1):
        step = _logsumexp(transitions[None] + (scores[:, t + 1] + beta[:, t + 1])[:, None, :], axis=2)
        beta[:, t] = np.where((t + 1 < sizes)[:, None], step, 0.0)
    log_z = _logsumexp(alpha[np.arange(b), sizes - 1], axis=1)
    out: FloatArray = np.exp(alpha + beta - log_z[:, None, None])
    return out


def _logsumexp(x: FloatArray, axis: int) -> FloatArray:
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    summed: FloatArray = np.log(np.sum(np.exp(x - top), axis=axis)) + np.squeeze(top, axis=axis)
    return summed


class PreSplit:
    """Pre-split sentences as Stanza's NER data loader reads a document: words, no tags yet.

    The loader asks the document for one thing, ``get([TEXT, NER, MULTI_NER], as_sentences=True,
    from_token=True)``; the tokenize processor would build a ``stanza.Document`` of Token and
    Word objects (offsets, misc fields) only to be asked that, which cost about a sixth of the
    NER stage's time (measured on the bench corpus).
    """

    __slots__ = ("_sentences",)

    def __init__(self, sentences: Sequence[Sequence[str]]) -> None:
        self._sentences = sentences

    def get(self, fields: Sequence[str], *, as_sentences: bool, from_token: bool) -> list[list[list[Any]]]:
        if not as_sentences or not from_token:
            raise ValueError("PreSplit answers the NER data loader's one question only")
        empty = [None] * (len(fields) - 1)
        return [[[word, *empty] for word in sentence] for sentence in self._sentences]


def tag_sentences(pipeline: Any, sentences: Sequence[Sequence[str]]) -> list[TaggedSentence]:
    """Tags and confidences for pre-split ``sentences`` from a ``tokenize_pretokenized`` Stanza
    pipeline whose NER processor holds one model (the project's trained models do)."""
    import torch
    from stanza.models.common import utils
    from stanza.models.common.vocab import VOCAB_PREFIX_SIZE
    from stanza.models.ner.data import DataLoader
    from stanza.models.ner.trainer import fix_singleton_tags, unpack_batch

    if not sentences:
        return []
    document = PreSplit(sentences)
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
            emitted = logits[0].data.cpu().numpy()
            transitions = trans[0].data.cpu().numpy()
            lengths = list(sentlens)
            paths = viterbi_batch(emitted, lengths, transitions)
            probs = marginals_batch(emitted.astype(np.float64), lengths, transitions.astype(np.float64))
            found: list[TaggedSentence] = []
            for i, ids in enumerate(paths):
                sure = probs[i, np.arange(len(ids)), ids].tolist()
                # Stanza's patch for a decode below "O": such a tag is read as the first real one.
                ids = [k if k >= VOCAB_PREFIX_SIZE else VOCAB_PREFIX_SIZE for k in ids]
                names = trainer.vocab["tag"].unmap([(k,) for k in ids])
                names = [x[0] if isinstance(x, list | tuple) else x for x in names]
                found.append(TaggedSentence(fix_singleton_tags(names), sure))
            out += utils.unsort(found, orig_idx)
    return out
