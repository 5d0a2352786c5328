"""The matcher's shortcuts change nothing: skipping tokens that can start no name, and the
fast tokenizer, give exactly what a look at every token gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.gazetteer import Gazetteer, Matcher, default_gazetteer, tokenize
from workers.gazetteer.matcher import _AFTER, _MATCH, _STORM, Mention
from workers.gazetteer.scan import Tokens

SAMPLES = [
    "BEIRUT (AP) — Lebanon's army said on Thursday that the University of Beirut reopened.",
    "Officials in Red Oak, Iowa, and Paris, Tex., said the storm hit Malibu, CA late.",
    "Hurricane Harvey and Tropical Storm Florence hit Houston; Mr Stewart met Tyler in Tyler.",
    "The New York Times reported from New York and St. Louis, Mo. on the U.S. and the U.K.",
    "heading to TX from Calif. then N.J. and in TX again #PuertoRico #KeralaFloods #srilanka",
    "وصل الرئيس إلى بيروت ولبنان وللدوحة والقاهرة في مدينة الكويت ومحافظة بيروت #انفجار_بيروت",
    "البورصة السعودية ارتفعت وزار السعودية وسيول في مالي ومشهد من أبو ظبي وتل أبيب #بالكويت",
    "عمّان وعُمان والرياض، السعودية و سان فرانسيسكو the hague and al-Quds, Rio de Janeiro",
    "WASHINGTON — SAN DIEGO, Calif. and the state of Texas, LONDON headline: Sam said so.",
    "snake_case_words, under_score #under_score_tag and marks دَوْحَة e\u0301te\u0301 \u200cx",
]

WORDS = [
    *[
        "the",
        "The",
        "of",
        "on",
        "in",
        "In",
        "at",
        "A",
        "TX",
        "CA",
        "Calif",
        "N.J",
        ".",
        ",",
        "(",
        ")",
        "—",
        "-",
        "'",
        "#",
        "_",
        "\n",
    ],
    *[
        "Paris",
        "Texas",
        "Tex",
        "Iowa",
        "Red",
        "Oak",
        "Hurricane",
        "Harvey",
        "Storm",
        "Tyler",
        "said",
        "Mr",
        "New",
        "York",
        "Times",
    ],
    *[
        "Lebanon",
        "BEIRUT",
        "Beirut",
        "AP",
        "Rio",
        "de",
        "Janeiro",
        "al",
        "Quds",
        "St",
        "Louis",
        "Mo",
        "U",
        "S",
        "K",
        "University",
    ],
    *[
        "بيروت",
        "ولبنان",
        "للدوحة",
        "مدينة",
        "الكويت",
        "محافظة",
        "أبو",
        "ظبي",
        "تل",
        "أبيب",
        "سيول",
        "في",
        "مالي",
        "السعودية",
    ],
    *["البورصة", "عمّان", "عُمان", "الرياض،", "سان", "فرانسيسكو", "#انفجار_بيروت", "#PuertoRico", "srilanka"],
    "\u200c",
    "\u0301",
    "dog",
    "1999",
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture(scope="module")
def matcher(gazetteer: Gazetteer) -> Matcher:
    return Matcher(gazetteer)


def _as_tuples(mentions: list[Mention]) -> list[tuple[object, ...]]:
    return [(m.span, m.places, m.hint, m.weak, m.backed) for m in mentions]


def _every_token(text: str, matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> list[Mention]:
    """find_candidates with every token looked at in full, as before the shortcuts."""
    real = Matcher._token_flags

    def all_tokens(self: Matcher, texts: list[str]) -> list[int]:
        return [_MATCH | _AFTER | (f & _STORM) for f in real(self, texts)]

    with monkeypatch.context() as patch:
        patch.setattr(Matcher, "_token_flags", all_tokens)
        return matcher.find_candidates(text, "body")


@pytest.mark.parametrize("text", SAMPLES)
def test_skipping_finds_what_a_full_scan_finds(
    text: str, matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variant in (text, text.upper(), text.lower(), text.title()):
        fast = matcher.find_candidates(variant, "body")
        assert _as_tuples(fast) == _as_tuples(_every_token(variant, matcher, monkeypatch))
    assert matcher.find_candidates(text, "body")  # the samples do name places


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.sampled_from(WORDS), max_size=40),
    gaps=st.lists(st.sampled_from([" ", "", ", ", ". "]), min_size=40),
)
def test_skipping_is_exact_on_word_salad(
    words: list[str], gaps: list[str], matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "".join(w + g for w, g in zip(words, gaps, strict=False))
    fast = matcher.find_candidates(text, "body")
    assert _as_tuples(fast) == _as_tuples(_every_token(text, matcher, monkeypatch))


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from("ab_ #\u0301\u064e\u0640\u200c\u200d\u200e بيروت-.,\n"),
            st.characters(codec="utf-8"),
        ),
        max_size=60,
    )
)
def test_fast_tokens_are_tokenize(text: str) -> None:
    tokens = Tokens(text)
    assert tokens.span(0, tokens.count) == tokenize(text)
    assert tokens.texts == [t.text for t in tokenize(text)]


def test_tokens_outside_the_text_raise() -> None:
    tokens = Tokens("one two")
    assert tokens[1].text == "two"
    with pytest.raises(IndexError):
        tokens[2]
    with pytest.raises(IndexError):
        tokens[-1]


def test_token_memo_is_bounded(gazetteer: Gazetteer) -> None:
    small = Matcher(gazetteer, memo_max=3)
    small.find_candidates("alpha beta gamma delta epsilon in Paris", "body")
    small.find_candidates("zeta eta theta", "body")
    assert len(small.token_memo) <= 3 + 7
    assert _as_tuples(small.find_candidates("in Paris", "body"))


@pytest.mark.parametrize("text", SAMPLES)
def test_remembered_words_give_what_a_fresh_look_gives(
    text: str, matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher.match_memo.clear()
    first = _as_tuples(matcher.find_candidates(text, "body"))
    second = _as_tuples(matcher.find_candidates(text, "body"))  # now from the memo
    assert first == second == _as_tuples(_every_token(text, matcher, monkeypatch))


def test_the_samples_exercise_the_memo(matcher: Matcher) -> None:
    matcher.match_memo.clear()
    for text in SAMPLES:
        matcher.find_candidates(text, "body")
    assert any(hit is not None for hit in matcher.match_memo.values())


def test_next_words_are_may_start_of_the_two_words(gazetteer: Gazetteer) -> None:
    pairs = [
        ("new", "york"),
        ("new", "dog"),
        ("tel", "aviv"),
        ("rio", "de"),
        ("st", "louis"),
        ("n", "j"),
        ("the", "hague"),
        ("ابو", "ظبي"),
        ("تل", "ابيب"),
        ("new york", "times"),
        ("dog", "new"),
    ]
    for first, second in pairs:
        if " " not in first:
            assert (second in gazetteer.next_words(first)) == gazetteer.may_start(f"{first} {second}")
    assert "york" in gazetteer.next_words("new") and "dog" not in gazetteer.next_words("new")


def test_next_words_agree_with_may_start_over_indexed_keys(gazetteer: Gazetteer) -> None:
    keys = sorted(k for k in gazetteer.name_keys() if " " in k)[::50]  # every 50th multi-word name
    firsts = [k.split(" ")[0] for k in keys]
    seconds = [k.split(" ")[1] for k in keys]
    # Each name's own first two words, and each first word with another name's second word.
    for first, second in [*zip(firsts, seconds, strict=True), *zip(firsts, reversed(seconds), strict=True)]:
        expected = gazetteer.may_start(f"{first} {second}")
        assert (second in gazetteer.next_words(first)) == expected, (first, second)
