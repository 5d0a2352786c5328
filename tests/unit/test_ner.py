"""The Stanza entity tagger, its model registry and the starter models' training data.

The shipped starter models are loaded once for the module; nothing here uses the network.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from workers.core.records import Article, Entity, LanguageTag
from workers.ner import cli as ner_cli
from workers.ner.cli import models
from workers.ner.nationalities import TABLES, corrected_label, nationality_words
from workers.ner.registry import (
    ENV_MODELS_DIR,
    ENV_STANZA_RESOURCES,
    ModelDirs,
    ModelMissingError,
    find_model,
    installed_models,
    missing_message,
    models_dir,
    require_model,
    shipped_models_dir,
)
from workers.ner.tagger import StanzaEntityTagger, chunk_text, clean_for_stanza, normalize_label
from workers.ner.training_data import LANGS, Generator, Lang, check_bio, generate, tokenizer_files

AR = LanguageTag("ar", 0.99)
EN = LanguageTag("en", 0.99)


#: The shipped models alone, whatever the environment of the test run says.
SHIPPED = ModelDirs()


@pytest.fixture(scope="module")
def tagger() -> StanzaEntityTagger:
    return StanzaEntityTagger(["ar", "en"], models=SHIPPED)


@pytest.fixture
def no_configured_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_MODELS_DIR, raising=False)
    monkeypatch.delenv(ENV_STANZA_RESOURCES, raising=False)


def assert_offsets(article: Article, entities: tuple[Entity, ...]) -> None:
    for ent in entities:
        text = article.text_of(ent.span.field)
        assert text[ent.span.start : ent.span.end] == ent.span.text, ent
        assert ent.span.text == ent.span.text.strip() and ent.span.text


def found(entities: tuple[Entity, ...]) -> set[tuple[str, str, int, int]]:
    return {(e.label, e.span.text, e.span.start, e.span.end) for e in entities}


# -- shipped models ------------------------------------------------------------------------


def test_shipped_models_are_trained_on_news_and_say_so() -> None:
    corpora = {"ar": "anercorp.train.bio", "en": "conll2003.train.bio"}
    for lang in ("ar", "en"):
        spec = require_model(lang, SHIPPED)
        assert spec.kind == "trained" and spec.pretokenized
        assert spec.directory == shipped_models_dir() / lang
        assert spec.tokenize_path == spec.directory / "tokenize.pt"  # the bench's reference path
        manifest = json.loads((spec.directory / "manifest.json").read_text("utf-8"))
        assert manifest["kind"] == "trained"
        assert {"PER", "ORG", "LOC"} <= set(manifest["labels"])
        sources = manifest["data"]["train"]
        assert sources[0]["file"] == corpora[lang] and "research" in sources[0]["licence"]
        assert all(len(source["sha256"]) == 64 and source["licence"] for source in sources)
        assert manifest["dev"]["scores"]["micro"]["f1"] > 0.5
        assert manifest["command"].startswith(f"khabar models train --lang {lang} ")
        assert manifest["reference_tokenizer"]["command"].startswith("khabar models train-starter")


def test_arabic_place_and_organisation_with_exact_offsets(tagger: StanzaEntityTagger) -> None:
    body = "وقال المتحدث إن وزارة الصحة الفلسطينية أرسلت فريقا طبيا إلى مدينة القاهرة يوم الأحد ."
    article = Article(id="ar-1", body=body, title="وصول فريق طبي إلى القاهرة")
    entities = tagger.tag(article, AR)
    assert_offsets(article, entities)
    got = found(entities)
    loc = "مدينة القاهرة"
    org = "وزارة الصحة الفلسطينية"
    assert ("LOC", loc, body.index(loc), body.index(loc) + len(loc)) in got
    assert ("ORG", org, body.index(org), body.index(org) + len(org)) in got
    title_locs = [e for e in entities if e.span.field == "title" and e.label == "LOC"]
    assert [e.span.text for e in title_locs] == ["القاهرة"]


def test_english_person_organisation_place(tagger: StanzaEntityTagger) -> None:
    body = "John Smith, a spokesman for the United Nations, said on Monday that aid had reached Cairo."
    article = Article(id="en-1", body=body)
    entities = tagger.tag(article, EN)
    assert_offsets(article, entities)
    got = found(entities)
    assert ("LOC", "Cairo", body.index("Cairo"), body.index("Cairo") + 5) in got
    assert ("ORG", "United Nations", body.index("United"), body.index("Nations") + 7) in got
    assert ("PER", "John Smith", 0, 10) in got


def test_offsets_survive_odd_whitespace_and_long_bodies(tagger: StanzaEntityTagger) -> None:
    paragraph = "وصل الوفد إلى\u00a0القاهرة صباح اليوم ،\r\nوالتقى بممثلي الأمم المتحدة في العاصمة .\n\n"
    body = paragraph * 120  # about 10,000 characters: at least two chunks
    assert len(chunk_text(body)) >= 2
    article = Article(id="ar-long", body=body)
    entities = tagger.tag(article, AR)
    assert_offsets(article, entities)
    cairo = [e for e in entities if e.span.text == "القاهرة"]
    assert len(cairo) >= 100
    assert tagger.stats["spans_dropped_unverified"] == 0


@pytest.mark.parametrize(
    "body",
    [
        "  \n\n وصلَ الرئيسُ إلى القـــاهرة 🇪🇬 اليوم، والتقى بوزيرِ الخارجية في مقرّ وزارة الخارجية المصرية.",
        "\u200fقال محمد\u200c أحمد إن\u2028 حركة حماس ستعقد مؤتمرا في مدينة غزة\t\tغدا ‼️",
        "x" * 6_000 + " ثم وصل إلى بيروت .",
        "。。。",
        "🙂" * 10,
    ],
)
def test_odd_text_never_breaks_offsets(tagger: StanzaEntityTagger, body: str) -> None:
    article = Article(id="odd", body=body, title="عاجل: زلزال يضرب تركيا")
    entities = tagger.tag(article, AR)
    assert_offsets(article, entities)
    assert ("LOC", "تركيا") in {(e.label, e.span.text) for e in entities if e.span.field == "title"}


def test_concurrent_callers_share_one_pipeline(tagger: StanzaEntityTagger) -> None:
    from concurrent.futures import ThreadPoolExecutor

    article = Article(id="t", body="وصل الوفد إلى مدينة القاهرة صباح اليوم .")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: tagger.tag(article, AR), range(8)))
    assert all(r == results[0] for r in results) and results[0]
    assert tagger.pipeline("ar") is StanzaEntityTagger(["ar"], models=SHIPPED).pipeline("ar")


def test_pre_split_tags_are_stanzas_own(tagger: StanzaEntityTagger) -> None:
    """tag_sentences reads words without a stanza.Document: the tags must be those Stanza's
    own NER processor gives the same pre-split sentences."""
    from workers.ner.inference import tag_sentences

    cases = {
        "en": [
            "The minister flew to Paris on Friday .",
            "Angela Merkel met officials of the European Union in Brussels .",
            "Reuters",
        ],
        "ar": ["وصل الوفد إلى مدينة القاهرة صباح اليوم .", "قال محمد عباس في رام الله"],
    }
    for lang, texts in cases.items():
        sents = [text.split(" ") for text in texts]
        loaded = tagger.pipeline(lang)
        assert loaded is not None
        own = loaded.pipeline(sents)
        expected = [[t.ner for t in sent.tokens] for sent in own.sentences]
        ours = tag_sentences(loaded.pipeline, sents)
        assert [t.tags for t in ours] == expected
        assert any(tag != "O" for sent in expected for tag in sent)
        assert all(0.0 < p <= 1.0 + 1e-9 for t in ours for p in t.confidence)


def test_loading_a_model_leaves_torch_dynamo_and_sympy_unimported() -> None:
    """Stanza's trainer would build an optimizer, which imports torch._dynamo and sympy (80 MB
    per worker); loading for inference must not, and must not leave the patch behind."""
    import subprocess
    import sys

    probe = (
        "import sys, stanza.models.common.utils as u; from workers.ner.tagger import StanzaEntityTagger\n"
        "from workers.core.records import Article, LanguageTag\n"
        "before = u.get_optimizer\n"
        "t = StanzaEntityTagger(['en']); t.warm_up()\n"
        "body = 'The minister flew to Paris on Friday.'\n"
        "found = t.tag(Article(id='x', body=body), LanguageTag('en', 1.0))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sympy'}), 'torch._dynamo' in sys.modules,"
        " u.get_optimizer is before, [e.label for e in found])\n"
    )
    run = [sys.executable, "-c", probe]
    out = subprocess.run(run, capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.split("\n")[-2] == "[] False True ['LOC']"


def test_tag_many_matches_tag(tagger: StanzaEntityTagger) -> None:
    articles = [
        (Article(id="a", body="زار الرئيس مدينة عمان أمس ."), AR),
        (Article(id="b", body="The minister flew to Paris on Friday."), EN),
        (Article(id="c", body="Le ministre est arrivé à Paris."), LanguageTag("fr", 0.9)),
    ]
    batched = tagger.tag_many(articles)
    assert batched == [tagger.tag(a, lang) for a, lang in articles]
    assert batched[2] == ()


def test_language_without_model_returns_nothing(tagger: StanzaEntityTagger) -> None:
    article = Article(id="x", body="Der Minister reiste am Freitag nach Berlin.")
    assert tagger.tag(article, LanguageTag("de", 0.99)) == ()
    assert tagger.tag(Article(id="y", body="   "), AR) == ()


# -- registry ------------------------------------------------------------------------------


def test_missing_models_dir_names_the_fixing_command(tmp_path: Path) -> None:
    nowhere = ModelDirs(models_dir=tmp_path / "nowhere")
    assert find_model("ar", nowhere) is None
    with pytest.raises(ModelMissingError, match=r"khabar models train --lang ar") as err:
        StanzaEntityTagger(["ar"], models=nowhere)
    assert "khabar models download ar" in str(err.value)
    assert f"{tmp_path / 'nowhere'} ({ENV_MODELS_DIR})" in str(err.value)
    assert f"--out {tmp_path / 'nowhere'}`" in str(err.value)


def test_missing_message_names_every_directory_searched(tmp_path: Path) -> None:
    both = ModelDirs(models_dir=tmp_path / "models", stanza_resources=tmp_path / "res")
    message = missing_message("de", both)
    assert (
        f"in {tmp_path / 'res'} ({ENV_STANZA_RESOURCES}), {tmp_path / 'models'} ({ENV_MODELS_DIR})."
        in message
    )
    shipped = missing_message("de", SHIPPED)
    assert f"in {shipped_models_dir()} (shipped models)." in shipped
    assert "--out" not in shipped  # training writes to the shipped models without one


def test_model_dirs_come_from_the_settings(tmp_path: Path) -> None:
    from workers.settings import ModelSettings, WorkerSettings

    assert ModelDirs.from_settings(ModelSettings(models_dir="", stanza_resources="")) == ModelDirs()
    named = ModelSettings(models_dir=str(tmp_path / "m"), stanza_resources="~/res")
    assert ModelDirs.from_settings(named) == ModelDirs(tmp_path / "m", Path("~/res").expanduser())
    worker = WorkerSettings(models_dir=str(tmp_path / "m"))
    assert ModelDirs.from_settings(worker) == ModelDirs(models_dir=tmp_path / "m")
    # The names the messages give are the settings' own variables.
    fields = {f"KHABAR_{name.upper()}" for name in ModelSettings.model_fields}
    assert {ENV_MODELS_DIR, ENV_STANZA_RESOURCES} == fields


def test_environment_reaches_the_registry_through_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an explicit ModelDirs the registry uses the KHABAR_* variables, read by the settings."""
    monkeypatch.setenv(ENV_MODELS_DIR, str(tmp_path / "nowhere"))
    monkeypatch.setenv(ENV_STANZA_RESOURCES, str(tmp_path / "res"))
    assert models_dir() == tmp_path / "nowhere"
    assert find_model("ar") is None and installed_models() == []
    with pytest.raises(ModelMissingError) as err:
        StanzaEntityTagger(["ar"])
    assert str(tmp_path / "nowhere") in str(err.value) and str(tmp_path / "res") in str(err.value)
    monkeypatch.delenv(ENV_MODELS_DIR)
    monkeypatch.delenv(ENV_STANZA_RESOURCES)
    assert models_dir() == shipped_models_dir()
    assert {spec.lang for spec in installed_models()} >= {"ar", "en"}


def test_published_models_are_preferred(tmp_path: Path) -> None:
    resources = tmp_path / "stanza_resources"
    for sub in ("tokenize/padt.pt", "mwt/padt.pt", "ner/aqmar.pt"):
        (resources / "ar" / sub).parent.mkdir(parents=True, exist_ok=True)
        (resources / "ar" / sub).write_bytes(b"")
    resources_json = {"ar": {"default_processors": {"tokenize": "padt", "mwt": "padt", "ner": "aqmar"}}}
    (resources / "resources.json").write_text(json.dumps({"version": "1.15.0", **resources_json}))
    published = ModelDirs(stanza_resources=resources)
    spec = require_model("ar", published)
    assert spec.kind == "published"
    assert spec.ner_path.name == "aqmar.pt" and spec.needs_mwt
    english = require_model("en", published)  # no published English model: the shipped one
    assert english.kind == "trained"


def test_nationality_words_are_misc_where_the_tagger_read_a_person(tagger: StanzaEntityTagger) -> None:
    # CoNLL-2003's English never has Qatari or Bahraini: the model alone tags both PER here.
    body = "Qatari and Emirati mediators met Kuwaiti officials on Sunday, a Bahraini source said."
    article = Article(id="en-nat", body=body)
    entities = tagger.tag(article, EN)
    assert_offsets(article, entities)
    assert {(e.label, e.span.text) for e in entities} == {
        ("MISC", "Qatari"), ("MISC", "Emirati"), ("MISC", "Kuwaiti"), ("MISC", "Bahraini"),
    }  # fmt: skip


def test_nationality_correction_touches_only_person_and_place_readings() -> None:
    assert corrected_label("en", "Qatari", "PER") == "MISC"
    assert corrected_label("en", "Czech", "LOC") == "MISC"  # 8 MISC to 4 LOC in CoNLL train
    assert corrected_label("en", "Indians", "ORG") == "ORG"  # a team
    assert corrected_label("en", "Qatar", "LOC") == "LOC"
    assert corrected_label("en", "Qatari Airways", "ORG") == "ORG"
    assert corrected_label("en", "qatari", "PER") == "PER"  # a lower-case word is not a name the tagger read
    assert corrected_label("ar", "القطري", "PER") == "PER"  # ANERcorp tags them O; the model follows
    assert corrected_label("fr", "Qatari", "PER") == "PER"


def test_nationality_table_names_real_countries() -> None:
    countries = files("workers.gazetteer") / "data" / "countries.tsv"
    codes = {line.split("\t")[0] for line in countries.read_text().splitlines() if not line.startswith("#")}
    for lang, name in TABLES.items():
        rows = [
            line.split("\t")
            for line in (files("workers.ner") / "data" / name).read_text().splitlines()
            if line and not line.startswith("#")
        ]
        assert all(len(row) == 2 and (row[1] in codes or row[1] == "XX") for row in rows)
        assert {row[0] for row in rows} == nationality_words(lang)
        assert {"Qatari", "Emirati", "Saudis", "Palestinians", "British"} <= nationality_words(lang)
        # Nouns that are also names stay out (a surname tagged PER is right).
        assert not {"Dane", "Finn", "Pole", "Turk", "Scot"} & nationality_words(lang)


def test_label_normalisation() -> None:
    table = {
        "PER": "PER", "PERSON": "PER", "PERS": "PER", "ORG": "ORG", "ORGANIZATION": "ORG",
        "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "LOCATION": "LOC", "NORP": "MISC", "MISC": "MISC",
        "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "PRODUCT": "MISC", "LANGUAGE": "MISC",
        "DATE": None, "TIME": None, "PERCENT": None, "MONEY": None, "QUANTITY": None,
        "ORDINAL": None, "CARDINAL": None, "S-GPE": "LOC", "person": "PER",
    }  # fmt: skip
    assert {raw: normalize_label(raw) for raw in table} == table


# -- text handling -------------------------------------------------------------------------


def test_chunks_cover_the_text_at_boundaries() -> None:
    text = ("جملة أولى قصيرة. " * 40 + "\n\n") * 20 + "x" * 12_000
    pieces = chunk_text(text, limit=1_000)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 1_000 for _, p in pieces)
    assert all(text[off : off + len(p)] == p for off, p in pieces)
    # before the unbroken run of x, cuts fall after a sentence end or a paragraph break
    assert all(p.endswith((". ", "\n\n")) for _, p in pieces[:-13])


def test_cleaning_keeps_length() -> None:
    raw = "a\u00a0b\r\nc\u200fd\ufeffe\tf"
    assert len(clean_for_stanza(raw)) == len(raw)
    assert clean_for_stanza(raw) == "a b \nc d e f"


# -- training data -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_generated_data_is_deterministic_and_well_formed(lang: Lang) -> None:
    first = Generator(lang, seed=7).sentences(300)
    again = Generator(lang, seed=7).sentences(300)
    other = Generator(lang, seed=8).sentences(300)
    assert first == again
    assert first != other
    labels: set[str] = set()
    for sentence in first:
        tags = [t.tag for t in sentence.tokens]
        check_bio(tags)
        assert not tags[0].startswith("I-")
        for tok in sentence.tokens:
            assert tok.text and tok.text == tok.text.strip() and " " not in tok.text
        text = sentence.text()
        assert len(sentence.tokenizer_labels()) == len(text)
        assert sentence.tokenizer_labels().endswith("2")
        labels.update(t[2:] for t in tags if t != "O")
    assert {"PER", "ORG", "LOC"} <= labels


def test_check_bio_rejects_orphan_inside_tags() -> None:
    check_bio(["B-PER", "I-PER", "O", "B-LOC"])
    with pytest.raises(ValueError):
        check_bio(["O", "I-PER"])
    with pytest.raises(ValueError):
        check_bio(["B-PER", "I-LOC"])


def test_arabic_spans_keep_glued_proclitics_and_descriptors() -> None:
    corpus = generate("ar", seed=3, n_train=3_000, n_dev=10)
    first_words: list[str] = []
    for sentence in corpus.train:
        check_bio([t.tag for t in sentence.tokens])
        first_words += [t.text for t in sentence.tokens if t.tag == "B-LOC"]
    descriptors = {"مدينة", "قرية", "مخيم", "محافظة", "منطقة", "العاصمة"}
    assert descriptors & set(first_words)  # مدينة القدس: the descriptor opens the LOC span
    glued = {"و" + d for d in descriptors} | {"ب" + d for d in descriptors}
    assert glued & set(first_words)  # بمدينة القدس: so does its glued preposition
    assert sum(w.startswith("و") for w in first_words) > 10  # والقدس: one token, one LOC


def test_tokenizer_files_align() -> None:
    import random

    sentences = Generator("ar", seed=1).sentences(50)
    text, labels = tokenizer_files(sentences, random.Random(0))
    assert [len(p) for p in text.split("\n\n")] == [len(p) for p in labels.split("\n\n")]
    assert set(labels) <= set("012\n")


# -- command line --------------------------------------------------------------------------


def test_models_list_shows_the_shipped_models_and_their_provenance(no_configured_dirs: None) -> None:
    result = CliRunner().invoke(models, ["list"])
    assert result.exit_code == 0, result.output
    assert "ar  trained" in result.output and "en  trained" in result.output
    assert "ner.pt" in result.output and "tokenize.pt" in result.output
    assert (
        "trained on: conll2003.train.bio" in result.output
        and "trained on: anercorp.train.bio" in result.output
    )
    assert (
        "licence: CoNLL-2003" in result.output and "rebuild: khabar models train --lang ar" in result.output
    )
    assert "dev (anercorp.dev.bio, strict F1)" in result.output


def test_download_fails_fast_without_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ner_cli, "CONNECT_TIMEOUT_S", 1.0)
    # port 9 (discard) on the loopback: nothing listens, the connection is refused at once
    result = CliRunner().invoke(
        models, ["download", "ar", "--dir", str(tmp_path), "--resources-url", "http://127.0.0.1:9/r.json"]
    )
    assert result.exit_code != 0
    assert "cannot reach" in result.output and "KHABAR_MODELS_DIR" in result.output
    assert not any(tmp_path.iterdir())
