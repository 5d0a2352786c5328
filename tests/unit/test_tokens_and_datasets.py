"""The project's tokenizer, the training data it prepares, and the CRF confidences."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.ner.datasets import CorpusError, bio_repaired, prepare, read_bio, retokenize, write_stanza_json
from workers.ner.evaluate import prf, scores
from workers.ner.inference import marginals_batch, viterbi_batch
from workers.ner.tagger import entity_runs
from workers.ner.tokens import MAX_SENTENCE_TOKENS, sentences, split_token, words


def texts(text: str) -> list[list[str]]:
    return [[text[a:b] for a, b in sent] for sent in sentences(text)]


def test_english_as_conll_splits_it() -> None:
    text = "He said: \"I don't know.\" Then M. Gorbachev left the U.S. for Moscow's Kremlin."
    assert texts(text) == [
        ["He", "said", ":", '"', "I", "do", "n't", "know", ".", '"'],
        ["Then", "M.", "Gorbachev", "left", "the", "U.S.", "for", "Moscow", "'s", "Kremlin", "."],
    ]
    assert split_token("1996-08-30") == ["1996-08-30"]
    assert split_token("3,000") == ["3,000"]
    assert split_token("all-rounder") == ["all-rounder"]
    assert split_token("O'Neill") == ["O'Neill"]
    assert split_token("US$") == ["US$"]
    assert split_token("'s") == ["'s"]


def test_headlines_and_datelines_are_sentences_of_their_own() -> None:
    text = (
        "CRICKET - LEICESTERSHIRE TAKE OVER AT TOP.\nLONDON 1996-08-30\nWest Indian Phil Simmons took four."
    )
    assert texts(text) == [
        ["CRICKET", "-", "LEICESTERSHIRE", "TAKE", "OVER", "AT", "TOP", "."],
        ["LONDON", "1996-08-30"],
        ["West", "Indian", "Phil", "Simmons", "took", "four", "."],
    ]


def test_arabic_keeps_clitics_and_splits_punctuation() -> None:
    text = "وقال الرئيسُ إن وإسرائيل، والصادرات ارتفعت؟ نعم. #انفجار_بيروت"
    assert texts(text) == [
        ["وقال", "الرئيسُ", "إن", "وإسرائيل", "،", "والصادرات", "ارتفعت", "؟"],
        ["نعم", "."],
        ["#انفجار_بيروت"],
    ]
    assert split_token("(د") == ["(", "د"]


def test_long_runs_are_cut() -> None:
    text = " ".join(["word"] * (MAX_SENTENCE_TOKENS * 2 + 5))
    assert [len(s) for s in sentences(text)] == [MAX_SENTENCE_TOKENS, MAX_SENTENCE_TOKENS, 5]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .,'\"\n-$#\u060cعربي\u064e\u200c12:/@()😀\u00a0"), max_size=80))
def test_tokens_are_the_text_they_point_at(text: str) -> None:
    previous_end = 0
    for sent in sentences(text):
        assert sent
        for start, end in sent:
            assert previous_end <= start < end <= len(text)
            piece = text[start:end]
            assert piece.strip() == piece and piece
            previous_end = end
    # Nothing but whitespace is ever left out.
    covered = {i for s in sentences(text) for a, b in s for i in range(a, b)}
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
    assert [text[a:b] for a, b in words(text)] == [t for s in texts(text) for t in s]


def test_read_bio_and_retokenize(tmp_path: Path) -> None:
    path = tmp_path / "x.bio"
    path.write_text(
        "-DOCSTART-\tO\n\nفرانكفورت\tB-LOC\n(د\tO\nب\tO\nأ)\tO\n\nEngland's\tB-LOC\nbest\tO\nJohn\tI-PERS\n",
        encoding="utf-8",
    )
    got = list(read_bio(path))
    assert got == [
        [("فرانكفورت", "B-LOC"), ("(د", "O"), ("ب", "O"), ("أ)", "O")],
        [("England's", "B-LOC"), ("best", "O"), ("John", "I-PER")],
    ]
    assert retokenize(got[1]) == [("England", "B-LOC"), ("'s", "I-LOC"), ("best", "O"), ("John", "I-PER")]
    prepared = prepare(got)
    assert prepared[0][:3] == [("فرانكفورت", "B-LOC"), ("(", "O"), ("د", "O")]
    assert prepared[1][-1] == ("John", "B-PER")  # a stray I- opens an entity
    stats = write_stanza_json(prepared, tmp_path / "out.json")
    assert stats.sentences == 2 and stats.entities == {"LOC": 2, "PER": 1}


def test_bad_bio_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.bio"
    path.write_text("word\tB-LOC\nother\tX-LOC\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad\.bio:2"):
        list(read_bio(path))


def test_bio_repair() -> None:
    assert bio_repaired([("a", "I-ORG"), ("b", "I-ORG"), ("c", "I-PER")]) == [
        ("a", "B-ORG"),
        ("b", "I-ORG"),
        ("c", "B-PER"),
    ]


def test_entity_runs_read_bio_and_bioes() -> None:
    assert entity_runs(["B-PER", "E-PER", "O", "S-LOC", "B-ORG", "I-ORG", "E-ORG", "I-LOC"]) == [
        ("PER", 0, 1),
        ("LOC", 3, 3),
        ("ORG", 4, 6),
        ("LOC", 7, 7),
    ]
    assert entity_runs(["B-PER", "I-PER", "B-PER", "I-LOC", "O"]) == [
        ("PER", 0, 1),
        ("PER", 2, 2),
        ("LOC", 3, 3),
    ]
    assert entity_runs([]) == []


def brute_force(emissions: np.ndarray, transitions: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Marginals and the best path of one sentence, by enumerating every tag sequence."""
    n, k = emissions.shape
    totals = np.zeros((n, k))
    z, best, best_score = 0.0, [0] * n, -math.inf
    for path in itertools.product(range(k), repeat=n):
        score = sum(emissions[t, path[t]] for t in range(n))
        score += sum(transitions[path[t - 1], path[t]] for t in range(1, n))
        if score > best_score:
            best, best_score = list(path), score
        weight = math.exp(score)
        z += weight
        for t, tag in enumerate(path):
            totals[t, tag] += weight
    return totals / z, best


def test_batched_crf_matches_brute_force_and_stanzas_viterbi() -> None:
    from stanza.models.common.crf import viterbi_decode

    rng = np.random.default_rng(7)
    lengths = [4, 1, 3]
    k = 3
    emissions = rng.normal(size=(len(lengths), max(lengths), k)).astype(np.float32)
    transitions = rng.normal(size=(k, k)).astype(np.float32)
    probs = marginals_batch(emissions.astype(np.float64), lengths, transitions.astype(np.float64))
    paths = viterbi_batch(emissions, lengths, transitions)
    for i, n in enumerate(lengths):
        expected, best = brute_force(emissions[i, :n].astype(np.float64), transitions.astype(np.float64))
        np.testing.assert_allclose(probs[i, :n], expected, rtol=1e-6)
        assert paths[i] == best == list(viterbi_decode(emissions[i, :n], transitions)[0])


def test_scores_are_strict_per_label() -> None:
    gold = {(0, 0, 1, "PER"), (0, 3, 3, "LOC"), (1, 0, 0, "MISC")}
    pred = {(0, 0, 1, "PER"), (0, 3, 4, "LOC"), (1, 0, 0, "MISC")}
    out = scores(gold, pred)
    assert out["PER"]["f1"] == 1.0 and out["LOC"]["f1"] == 0.0 and out["MISC"]["f1"] == 1.0
    assert out["micro"] == prf({(0, 0, 1, "PER"), (0, 3, 3, "LOC")}, {(0, 0, 1, "PER"), (0, 3, 4, "LOC")})
    assert out["micro"]["f1"] == 0.5
