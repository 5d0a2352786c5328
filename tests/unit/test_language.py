from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.core.records import Article
from workers.pipeline import language
from workers.pipeline.language import LanguageStage, clean_for_identification, primary_subtag


@pytest.fixture(scope="module")
def stage() -> LanguageStage:
    return LanguageStage()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            "أعلنت وزارة الخارجية القطرية أن المحادثات ستستأنف في الدوحة الأسبوع المقبل "
            "بمشاركة وفود إقليمية.",
            "ar",
        ),
        ("The foreign ministry said talks would resume in Doha next week with regional delegations.", "en"),
        ("Le ministère des affaires étrangères a annoncé que les négociations reprendront à Doha.", "fr"),
        (
            "Das Außenministerium teilte mit, dass die Gespräche nächste Woche in Doha fortgesetzt werden.",
            "de",
        ),
    ],
)
def test_identifies_language_with_confidence(stage: LanguageStage, body: str, code: str) -> None:
    tag = stage.process(Article(id="x", body=body))
    assert tag.code == code
    assert 0.5 < tag.confidence <= 1.0
    assert tag.source == "model"


def test_hint_does_not_override_a_confident_model(stage: LanguageStage) -> None:
    body = "The foreign ministry said talks would resume in Doha next week with regional delegations."
    assert stage.process(Article(id="x", body=body, lang_hint="ar")).code == "en"


def test_hint_breaks_a_tie_on_tiny_text(stage: LanguageStage) -> None:
    tag = stage.process(Article(id="x", body="Doha", lang_hint="en-GB"))
    assert tag.code == "en"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ar-QA", "ar"),
        ("EN_us", "en"),
        ("fil", "fil"),
        ("", None),
        (None, None),
        ("12", None),
        ("عربي", None),
    ],
)
def test_primary_subtag(raw: str | None, expected: str | None) -> None:
    assert primary_subtag(raw) == expected


def test_arabic_varieties_fold_into_arabic(stage: LanguageStage) -> None:
    ranked = dict(stage.rank("الدوحة"))
    assert "ary" not in ranked
    assert "arz" not in ranked
    assert stage.process(Article(id="x", body="الدوحة")).code == "ar"


def test_noise_is_removed_before_identification() -> None:
    text = "@000 PLEASE SEND HELP to #PuertoRico https://t.co/x1 #hurricane_maria 🙏 2017!!"
    assert clean_for_identification(text) == "please send help to Puerto Rico hurricane maria"


@pytest.mark.parametrize(
    "body",
    [
        "@00000 PLEASE SEND MORE HELP TO #PortArthur",
        "Students Collecting Donations for Hurricane Victims - News Students in the city",
    ],
)
def test_short_noisy_english_is_english(stage: LanguageStage, body: str) -> None:
    assert stage.process(Article(id="x", body=body)).code == "en"


def test_only_symbols_falls_back_to_the_hint_or_und(stage: LanguageStage) -> None:
    assert stage.process(Article(id="x", body="https://t.co/abc 123 🙏")).code == "und"
    tag = stage.process(Article(id="x", body="https://t.co/abc 123 🙏", lang_hint="ar"))
    assert (tag.code, tag.source) == ("ar", "hint")


def test_candidate_languages_can_be_narrowed() -> None:
    narrowed = LanguageStage(languages=["ar", "en"])
    assert {code for code, _ in narrowed.rank("Bonjour à tous les amis de Paris")} <= {"ar", "en"}
    with pytest.raises(ValueError, match="does not know"):
        LanguageStage(languages=["xx"])


# --- the fast scorer and cleaner give exactly the library's and the plain rules' results -----

_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_HANDLE_RE = re.compile(r"@\w+")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HASHTAG_RE = re.compile(r"#(\w+)")
_NOISE_RE = re.compile(r"[\d\W_]+")


def _plain_clean(text: str) -> str:
    """clean_for_identification as first written: every substitution, always."""
    text = _URL_RE.sub(" ", text)
    text = _HANDLE_RE.sub(" ", text)
    text = _HASHTAG_RE.sub(lambda m: " " + _CAMEL_RE.sub(" ", m.group(1)).replace("_", " ") + " ", text)
    return " ".join([w.lower() if w.isupper() else w for w in _NOISE_RE.sub(" ", text).split()])


_TEXTS = [
    "",
    "a",
    "abcde",
    "abcdef",
    "ÉCOLE",
    "Beirut explosion: at least 100 dead #PrayForLebanon @AP https://t.co/x",
    "انفجار ضخم يهز بيروت #انفجار_بيروت www.example.com",
    "Bonjour à tous les amis de Paris",
    "DONALD TRUMP SAYS 2020 WILL BE GREAT",
    "\u0000\u200f\ufeff",
]


@functools.cache
def library(languages: frozenset[str] | None = None) -> Any:
    """py3langid's own identifier, as the stage narrows it."""
    return language.load_identifier(languages)


@pytest.mark.parametrize("text", _TEXTS)
def test_fast_ranker_is_the_library(text: str) -> None:
    stage = LanguageStage()
    assert stage._fast is not None
    assert stage._fast.rank(text) == library().rank(text)
    narrowed = LanguageStage(["ar", "en", "fr"])
    assert narrowed._fast is not None
    assert narrowed._fast.rank(text) == library(frozenset({"ar", "en", "fr"})).rank(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_fast_ranker_is_the_library_on_any_text(text: str) -> None:
    stage = LanguageStage()
    assert stage._fast is not None
    assert stage._fast.rank(text) == library().rank(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(st.sampled_from("#@_ :/.wAbZéÉ1٣ بيروت\nhttps"), st.characters(codec="utf-8")),
        max_size=200,
    )
)
def test_clean_is_the_plain_rules(text: str) -> None:
    assert clean_for_identification(text) == _plain_clean(text)


@pytest.mark.parametrize("text", _TEXTS)
def test_clean_is_the_plain_rules_on_samples(text: str) -> None:
    assert clean_for_identification(text) == _plain_clean(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(st.sampled_from("#@_ :/.wAbZéÉİΣǅ²1٣ بيروت\nhttps"), st.characters(codec="utf-8")),
        max_size=600,
    )
)
def test_clean_by_table_is_the_plain_rules(text: str) -> None:
    # Long non-ASCII text goes through a per-character table instead of the expression.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(language, "_TABLE_FROM", 0)
        assert clean_for_identification(text) == _plain_clean(text)


_HINTS = [None, "en", "ar", "fr", "es", "de", "zh", "ur", "xx"]


@pytest.mark.parametrize("text", [*_TEXTS, "Doha", "الدوحة", "la la la", "Oslo Bergen", "\u0000\u200f"])
def test_fast_decision_is_the_ranking(stage: LanguageStage, text: str) -> None:
    sample = clean_for_identification(text) or text
    for hint in _HINTS:
        fast = stage._decide_fast(sample, hint)
        assert fast is None or fast == stage._decide(stage.rank(sample), hint)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(_HINTS))
def test_fast_decision_is_the_ranking_on_any_text(text: str, hint: str | None) -> None:
    stage = LanguageStage()
    fast = stage._decide_fast(text, hint)
    assert fast is None or fast == stage._decide(stage.rank(text), hint)


@pytest.mark.parametrize("languages", [["en"], ["ar"], ["ar", "zh"], ["no", "uz", "en"]])
def test_fast_decision_with_few_codes(languages: list[str]) -> None:
    stage = LanguageStage(languages)
    for text in ["Doha", "الدوحة", "Oslo Bergen Tromsø", "北京 上海", "Toshkent shahri"]:
        for hint in _HINTS:
            fast = stage._decide_fast(text, hint)
            assert fast is None or fast == stage._decide(stage.rank(text), hint)
            assert stage.process(Article(id="x", body=text, lang_hint=hint)) == stage._decide(
                stage.rank(text), hint
            )


def test_fast_decision_decides_and_leaves_ties_to_the_ranking(stage: LanguageStage) -> None:
    assert stage._decide_fast("the foreign ministry said talks would resume", "ar") is not None
    # No feature at all: every label is equally likely, and only the ranking's order can choose.
    assert stage._decide_fast("x", None) is None
    assert stage.process(Article(id="x", body="x", lang_hint="fr")) == stage._decide(stage.rank("x"), "fr")
