r"""The per-article budget (time and size), and adversarial text through every regular expression.

Regular-expression audit: every pattern in ``workers/`` that runs on article text, and why none
can backtrack super-linearly (the adversarial tests below feed each of them ~100k characters):

- ``pipeline/language.py`` (on a 2 000-character sample): ``_URL`` ``https?://\S+|www\.\S+``,
  ``_HANDLE`` ``@\w+``, ``_HASHTAG`` ``#(\w+)``, ``_WORDS`` ``[^\d\W_]+``: a literal prefix and one
  greedy class with nothing after it, so a match never backtracks; ``_CAMEL``
  ``(?<=[a-z])(?=[A-Z])`` is two one-character look-arounds.
- ``gazetteer/normalize.py``: ``TOKEN_RE`` ``(?:[^\W_]|[marks])+`` and ``HASHTAG_RE``
  ``#(?:\w|[marks])+`` are alternations of single characters under ``+`` with nothing after the
  loop (the branches overlap on tatweel, which only matters when a failing tail forces
  backtracking, and there is none); ``_ACCENTS``, ``_ARABIC_SCRIPT``: one class, on single tokens.
- ``gazetteer/matcher.py`` ``_JOINER`` ``[...]{1,3}``, ``gazetteer/rules_en.py``
  ``_QUALIFIER_GAP`` ``\s?[,(]\s{0,2}``, ``_DATELINE_AFTER`` ``\s{0,2}(?:,|\(|...)``: bounded
  repeats, used with ``fullmatch``/``match`` on the gap after a token, so each costs O(1) however
  long the gap. ``gazetteer/scan.py`` ``_CAMEL``
  ``[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+`` on one hashtag word: when the first
  branch's look-ahead fails it gives back a capital run once, and the third branch then consumes
  that run, so each character is scanned a bounded number of times.
- ``pipeline/locations.py``: ``_QUALIFIER_GAP``, bounded, ``fullmatch`` on a gap.
- ``ner/tokens.py`` ``_TOKEN``: every branch starts with a literal or a character class and ends
  without a failing tail, except three that can fail after a run: the URL branch (a literal
  ``http://``/``www.`` prefix, then one class up to whitespace, then one character: a failed
  attempt rescans only that run, and only where the prefix is), and ``\d+(?:[.,:/]\d+)+`` and
  ``[A-Z]+&[A-Z]+``, which fail at most once per run of digits or capitals because the word
  branch then consumes the whole run; and the e-mail branch, whose look-behind lets it start
  only where a run of address characters starts, so a failed attempt rescans that run once.
  ``_CLITIC`` is anchored at the token's end (``$``).
- ``ner/tagger.py``: ``_ODD_SPACE``, ``_LINE``, ``_SPACE``: one class. ``_PARAGRAPH``
  ``\n[ \t\r\u00a0]*\n`` starts only at a line break and scans the blank run after it, which holds
  no line break, so runs are scanned once. ``_SENTENCE`` ``(?<=[.!?؟।。])["'»”)\]]*\s+``: the
  fixed-width look-behind gates every start, and the quote run scanned from there holds no
  sentence end. ``_locate`` searches ``re.escape(span)``, a literal, in a window of the span plus
  100 characters.
- Patterns in ``gazetteer/sources.py`` and ``ner/training_data.py`` run on gazetteer names and
  generated training sentences, never on article text.

Beyond regular expressions the audit found one quadratic loop, in the location stage (every NER
entity against every gazetteer mention); it now uses sorted intervals (checked against the
brute-force definition below).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.core import budget
from workers.core.errors import Rejected
from workers.core.records import Article, Entity, LanguageTag, Span, TextField
from workers.gazetteer import default_gazetteer
from workers.gazetteer.matcher import tokenize
from workers.gazetteer.normalize import HASHTAG_RE
from workers.ner.tagger import (
    MAX_CHUNK_CHARS,
    MAX_RUN_CHARS,
    StanzaEntityTagger,
    _Chunk,
    _RawEntity,
    chunk_text,
    clean_for_stanza,
    runs_of,
)
from workers.ner.tokens import sentences
from workers.pipeline.agreement import agree, entity_index, span_index
from workers.pipeline.language import LanguageStage, clean_for_identification
from workers.pipeline.locations import LocationStage
from workers.pipeline.runner import DeadLetter, Enriched, Pipeline
from workers.settings import WorkerSettings

GOOD = orjson.dumps({"id": "good", "body": "The delegation flew from Doha to Riyadh on Monday."})


# -- the budget itself ---------------------------------------------------------------------------


def test_check_does_nothing_outside_a_budget_or_with_the_budget_off() -> None:
    budget.check("anything")
    assert budget.remaining() is None
    for off in (0, 0.0, -1, None):
        with budget.article_budget(off):
            budget.check("anything")
            assert budget.remaining() is None


def test_running_out_raises_budget_exceeded_naming_the_stage() -> None:
    with budget.article_budget(0.001):
        time.sleep(0.01)
        remaining = budget.remaining()
        assert remaining is not None and remaining < 0
        with pytest.raises(Rejected) as info:
            budget.check("entities")
    assert (info.value.reason, info.value.stage) == ("budget_exceeded", "entities")
    assert "0.001 s budget during entities" in info.value.detail
    budget.check("entities")  # the budget ended with its article


def test_budgets_are_per_thread() -> None:
    seen: list[float | None] = []
    with budget.article_budget(1e-9):
        worker = threading.Thread(target=lambda: seen.append(budget.remaining()))
        worker.start()
        worker.join()
        with pytest.raises(Rejected):
            budget.check("here")
    assert seen == [None]


def test_settings_carry_the_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KHABAR_MAX_RECORD_BYTES", raising=False)
    monkeypatch.delenv("KHABAR_ARTICLE_BUDGET_S", raising=False)
    defaults = WorkerSettings()
    assert (defaults.max_record_bytes, defaults.article_budget_s) == (4 * 1024 * 1024, 20.0)
    monkeypatch.setenv("KHABAR_MAX_RECORD_BYTES", "10")
    monkeypatch.setenv("KHABAR_ARTICLE_BUDGET_S", "0")
    configured = WorkerSettings(ner=False)
    assert (configured.max_record_bytes, configured.article_budget_s) == (10, 0.0)
    pipeline = Pipeline.from_settings(configured)
    assert (pipeline.stage("decode").max_bytes, pipeline.article_budget_s) == (10, 0.0)  # type: ignore[attr-defined]
    letter = pipeline.process(GOOD)
    assert isinstance(letter, DeadLetter) and letter.reason == "record_too_large"


# -- the pipeline under a budget -----------------------------------------------------------------


def test_no_time_at_all_stops_the_article_at_the_first_check() -> None:
    outcome = Pipeline.default(article_budget_s=1e-9).process(GOOD)
    assert isinstance(outcome, DeadLetter), outcome
    assert (outcome.reason, outcome.stage, outcome.error_type) == (
        "budget_exceeded",
        "decode",
        "budget_exceeded",
    )
    assert outcome.article_id == "good"
    assert isinstance(Pipeline.default(article_budget_s=0).process(GOOD), Enriched)


class SleepyTagger:
    """Knows nothing of budgets: takes its time on articles that mention "slowly"."""

    model_version = "sleepy 1"

    def tag(self, article: Article, language: LanguageTag) -> tuple[Entity, ...]:
        if "slowly" in article.body:
            time.sleep(0.3)
        return ()


def test_a_stage_that_ignores_the_budget_is_stopped_right_after_it() -> None:
    stages: list[str] = []
    pipeline = Pipeline.default(tagger=SleepyTagger(), article_budget_s=0.15)
    pipeline.observer = lambda stage, _: stages.append(stage)
    slow = orjson.dumps({"id": "slow", "body": "Doha, slowly."})
    outcome = pipeline.process(slow)
    assert isinstance(outcome, DeadLetter), outcome
    assert (outcome.reason, outcome.stage, outcome.article_id) == ("budget_exceeded", "entities", "slow")
    assert stages == ["decode", "validate", "language", "entities"]  # locations never ran
    assert isinstance(pipeline.process(GOOD), Enriched), "the next article gets a budget of its own"


class FakeStanza:
    """Stands in for the tagger's Stanza call: records each run, optionally taking its time."""

    def __init__(self, seconds_per_run: float = 0.0) -> None:
        self.seconds_per_run = seconds_per_run
        self.runs: list[list[_Chunk]] = []

    def __call__(self, loaded: object, chunks: Sequence[_Chunk]) -> list[list[_RawEntity]]:
        self.runs.append(list(chunks))
        time.sleep(self.seconds_per_run)
        return [[] for _ in chunks]


@pytest.fixture
def fake_stanza(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[StanzaEntityTagger, FakeStanza]]:
    tagger = StanzaEntityTagger(languages=())
    fake = FakeStanza()
    monkeypatch.setattr(tagger, "pipeline", lambda lang: object())
    monkeypatch.setattr(tagger, "_run", fake)
    yield tagger, fake


LONG_BODY = ("The minister flew to Doha on Monday and met officials there. " * 3_300)[:200_000]


def test_the_stanza_tagger_stops_a_long_body_between_runs(
    fake_stanza: tuple[StanzaEntityTagger, FakeStanza],
) -> None:
    tagger, fake = fake_stanza
    fake.seconds_per_run = 0.2
    pipeline = Pipeline.default(tagger=tagger, article_budget_s=0.5)
    value = orjson.dumps({"id": "long", "body": LONG_BODY})
    outcome = pipeline.process(value)
    assert isinstance(outcome, DeadLetter), outcome
    assert (outcome.reason, outcome.stage, outcome.article_id) == ("budget_exceeded", "entities", "long")
    all_runs = len(runs_of([_Chunk(0, "body", o, p) for o, p in chunk_text(LONG_BODY)], MAX_RUN_CHARS))
    assert all_runs >= 10
    assert 1 <= len(fake.runs) < all_runs, "cut off near the budget, not run to the end"


def test_without_a_budget_the_long_body_runs_to_the_end_in_bounded_runs(
    fake_stanza: tuple[StanzaEntityTagger, FakeStanza],
) -> None:
    tagger, fake = fake_stanza
    outcome = Pipeline.default(tagger=tagger, article_budget_s=0).process(
        orjson.dumps({"id": "long", "body": LONG_BODY})
    )
    assert isinstance(outcome, Enriched), outcome
    assert len(fake.runs) >= 10
    assert all(sum(len(c.text) for c in run) <= MAX_RUN_CHARS for run in fake.runs)
    covered = [c for run in fake.runs for c in run]
    assert "".join(c.text for c in covered) == clean_for_stanza(LONG_BODY)


def test_a_normal_article_is_one_stanza_call(fake_stanza: tuple[StanzaEntityTagger, FakeStanza]) -> None:
    tagger, fake = fake_stanza
    body = "A paragraph about Doha.\n\n" * 350  # 8 750 characters: two chunks
    tagger.tag(Article(id="n", title="Doha talks", body=body), LanguageTag("en", 0.9))
    assert len(fake.runs) == 1
    assert [c.field for c in fake.runs[0]] == ["title", "body", "body"]


def test_runs_group_consecutive_chunks_up_to_the_limit() -> None:
    chunks = [_Chunk(0, "body", i, "x" * size) for i, size in enumerate([4, 4, 3, 9, 1, 12, 2])]
    runs = runs_of(chunks, 10)
    assert [[len(c.text) for c in run] for run in runs] == [[4, 4], [3], [9, 1], [12], [2]]
    assert [c for run in runs for c in run] == chunks
    assert runs_of([], 10) == []


# -- the location stage's interval index ---------------------------------------------------------

intervals = st.tuples(st.integers(0, 30), st.integers(0, 8)).map(lambda t: (t[0], t[0] + t[1]))


def _brute_overlapping(entities: list[Entity], start: int, end: int) -> set[tuple[int, int]]:
    return {(e.span.start, e.span.end) for e in entities if e.span.start < end and start < e.span.end}


@given(
    names=st.lists(intervals, max_size=12),
    probe=intervals,
    fields=st.lists(st.sampled_from(["body", "title"]), min_size=12, max_size=12),
)
def test_interval_indexes_agree_with_brute_force(
    names: list[tuple[int, int]], probe: tuple[int, int], fields: list[TextField]
) -> None:
    spans = span_index(Span("x" * (b - a), a, b, "body") for a, b in names)
    entities = [Entity(Span("x" * (b - a), a, b, "body"), "PER") for a, b in names]
    start, end = probe
    probe_span = Span("x" * (end - start), start, end, "body")
    assert spans.overlaps(probe_span) == any(a < end and start < b for a, b in names)
    found = {(e.span.start, e.span.end) for e in entity_index(entities).overlapping(probe_span)}
    assert found == _brute_overlapping(entities, start, end)
    # Fields never mix: the title's spans are not the body's.
    mixed = [Entity(Span("x" * (b - a), a, b, f), "PER") for (a, b), f in zip(names, fields, strict=False)]
    in_body = [e for e in mixed if e.span.field == "body"]
    found = {(e.span.start, e.span.end) for e in entity_index(mixed).overlapping(probe_span)}
    assert found == _brute_overlapping(in_body, start, end)


# -- adversarial text through every regular expression ---------------------------------------------

N = 100_000


def _run(unit: str) -> str:
    return (unit * (N // len(unit) + 1))[:N]


ADVERSARIAL: dict[str, str] = {
    "spaces": " " * N,
    "dots": "." * N,
    "letter a": "a" * N,
    "capital A": "A" * N,
    "Aa": _run("Aa"),
    "digits": "7" * N,
    "arabic letter and tatweel": _run("بـ"),
    "tatweel": "ـ" * N,
    "combining marks": "\u0301" * N,
    "zwnj inside a word": _run("ب\u200c"),
    "line break and space": _run("\n "),
    "one line break then spaces": "\n" + " " * N,
    "blank lines": _run("\n\n"),
    "odd spaces": _run(" \t\u00a0\u3000\r"),
    "direction marks": _run("\u200f\u200e"),
    "hashes": "#" * N,
    "ats": "@" * N,
    "hashtags": _run("#a"),
    "handles": _run("@a"),
    "hashtag of underscores": "#" + "_" * N,
    "arabic hashtag words": _run("#ب_"),
    "camel hashtag, one capital run": "#" + "A" * N + "a",
    "camel hashtag, mixed": "#" + _run("AAAb1"),
    "url without end": "http://" + "a" * N,
    "url prefixes": _run("http://"),
    "www prefixes": _run("www."),
    "sentence end then quotes": "." + '"' * N,
    "sentence end and bracket": _run(".)"),
    "sentence ends and quotes": _run('."» '),
    "short sentences": _run("a. "),
    "commas": _run(", "),
    "joiners": _run("- ' . "),
    "town, town": _run("Paris, "),
    "dateline": _run("BEIRUT (AP) — "),
    "shouting": _run("WASHINGTON "),
    "multi-word names": _run("New York "),
    "abbreviation dots": _run("U.S."),
    "honorific dots": _run("St. "),
    "arabic proclitic names": _run("والدوحة "),
    "zalgo": _run("D̸̡̛o̷̢͝h̶̗̕a̴̛͜ "),
    "address characters without @": _run("a+b."),
    "at signs between words": _run("a@b@"),
}
TEXTS = list(ADVERSARIAL.values())
IDS = list(ADVERSARIAL)


@pytest.fixture(scope="module")
def language() -> LanguageStage:
    return LanguageStage()


@pytest.fixture(scope="module")
def locations() -> LocationStage:
    return LocationStage(default_gazetteer())


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", TEXTS, ids=IDS)
def test_language_stage_completes_on_adversarial_text(language: LanguageStage, text: str) -> None:
    clean_for_identification(text)  # the whole text, not just the stage's sample
    tag = language.process(Article(id="adv", title=text[:2000], body=text))
    assert re.fullmatch("[a-z]{2,3}", tag.code)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", TEXTS, ids=IDS)
def test_gazetteer_and_location_stage_complete_on_adversarial_text(
    locations: LocationStage, text: str
) -> None:
    assert all(text[t.start : t.end] == t.text for t in tokenize(text))
    assert all(m.group().startswith("#") for m in HASHTAG_RE.finditer(text))
    # NER entities over the same text exercise the veto and overlap index at full size.
    entities = [Entity(Span(t.text, t.start, t.end, "body"), "PER") for t in tokenize(text)[:20_000]]
    article = Article(id="adv", body=text)
    for found in (locations.process(article), locations.process(article, entities)):
        for location in found:
            assert all(text[m.start : m.end] == m.text for m in location.mentions)
        # The entities made to agree with the places, at the same size.
        for entity in agree(entities, found, article):
            assert text[entity.span.start : entity.span.end] == entity.span.text


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", TEXTS, ids=IDS)
def test_tagger_text_helpers_complete_on_adversarial_text(text: str) -> None:
    cleaned = clean_for_stanza(text)
    assert len(cleaned) == len(text)
    tokens = [t for sentence in sentences(text) for t in sentence]
    assert all(text[a:b].strip() == text[a:b] != "" for a, b in tokens)
    for limit in (MAX_CHUNK_CHARS, 1_000):
        pieces = chunk_text(text, limit)
        assert "".join(piece for _, piece in pieces) == text
        assert all(len(piece) <= limit and text[o : o + len(piece)] == piece for o, piece in pieces)
