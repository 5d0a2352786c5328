"""``khabar models train``: Stanza's own trainer on a BIO corpus, a manifest that says where the
model came from, and a model the registry and the tagger then use on pre-split tokens.

The corpus here is a few sentences written for the test (the real corpora live outside the
repository), and the trainer runs for a handful of steps: this checks the plumbing, not quality.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workers.core.records import Article, LanguageTag
from workers.ner.cli import models
from workers.ner.registry import ENV_MODELS_DIR, ENV_STANZA_RESOURCES, ModelDirs, find_model
from workers.ner.tagger import StanzaEntityTagger
from workers.ner.train import licence_of

SENTENCES = [
    [("John", "B-PER"), ("Smith", "I-PER"), ("visited", "O"), ("Paris", "B-LOC"), (".", "O")],
    [("The", "O"), ("United", "B-ORG"), ("Nations", "I-ORG"), ("met", "O"), ("in", "O"), ("Geneva", "B-LOC")],
    [("Mary", "B-PER"), ("works", "O"), ("for", "O"), ("Reuters", "B-ORG"), ("in", "O"), ("London", "B-LOC")],
]


def write_bio(path: Path, sentences: list[list[tuple[str, str]]]) -> Path:
    path.write_text("\n\n".join("\n".join(f"{t}\t{g}" for t, g in s) for s in sentences) + "\n", "utf-8")
    return path


def test_train_writes_a_model_the_tagger_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    train = write_bio(tmp_path / "tiny.train.bio", SENTENCES * 20)
    dev = write_bio(tmp_path / "tiny.dev.bio", SENTENCES)
    out = tmp_path / "models"
    args = ["train", "--lang", "en", "--train", str(train), "--dev", str(dev), "--out", str(out)]
    result = CliRunner().invoke(models, [*args, "--steps", "30", "--licence", "written for the test"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "en" / "manifest.json").read_text("utf-8"))
    assert manifest["kind"] == "trained" and manifest["labels"] == ["LOC", "ORG", "PER"]
    assert manifest["data"]["train"][0]["file"] == "tiny.train.bio"
    assert manifest["data"]["train"][0]["licence"] == "written for the test"
    assert manifest["data"]["train_stats"]["sentences"] == 60
    assert set(manifest["dev"]["scores"]) == {"LOC", "ORG", "PER", "micro"}
    assert manifest["command"].startswith("khabar models train --lang en --train ")
    assert "--steps 30" in manifest["command"] and manifest["training"]["steps"] == 30

    trained = ModelDirs(models_dir=out)
    spec = find_model("en", trained)
    assert spec is not None and spec.kind == "trained" and spec.pretokenized and spec.tokenize_path is None
    # `khabar models list` takes the directory from the settings, i.e. the environment.
    monkeypatch.setenv(ENV_MODELS_DIR, str(out))
    monkeypatch.delenv(ENV_STANZA_RESOURCES, raising=False)
    listed = CliRunner().invoke(models, ["list"])
    assert "en  trained" in listed.output and "licence: written for the test" in listed.output
    assert (
        "rebuild: khabar models train" in listed.output and "tokens: the project's tokenizer" in listed.output
    )

    body = "John Smith visited Paris. Mary works for Reuters in London."
    article = Article(id="t", body=body, title="Smith in Paris")
    tagger = StanzaEntityTagger(["en"], models=trained)
    entities = tagger.tag(article, LanguageTag("en", 0.99))
    for entity in entities:  # whatever 30 steps learned, every span lands on the text
        assert article.text_of(entity.span.field)[entity.span.start : entity.span.end] == entity.span.text
        assert entity.confidence is not None and 0.0 <= entity.confidence <= 1.0
    with pytest.raises(ValueError, match=r"tokenize\.pt"):
        StanzaEntityTagger(["en"], neural_tokenizer=True, models=trained).pipeline("en")


def test_unknown_corpora_need_a_licence(tmp_path: Path) -> None:
    assert "research" in licence_of(Path("conll2003.train.bio"), None)
    assert "Benajiba" in licence_of(Path("anercorp.train.bio"), None)
    with pytest.raises(ValueError, match="--licence"):
        licence_of(Path("mine.bio"), None)
    train = write_bio(tmp_path / "mine.bio", SENTENCES)
    result = CliRunner().invoke(
        models, ["train", "--lang", "en", "--train", str(train), "--dev", str(train), "--out", str(tmp_path)]
    )
    assert result.exit_code != 0 and "--licence" in result.output


def test_the_worker_never_imports_training_code() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, workers.cli, workers.stream.runner, workers.ner.tagger\n"
        "from workers.pipeline.runner import Pipeline\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('workers.'))))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "workers.ner.tagger" in loaded and "workers.stream.runner" in loaded
    build_tools = {
        "workers.ner.datasets",
        "workers.ner.train",
        "workers.ner.evaluate",
        "workers.ner.training_data",
    }
    assert not loaded & build_tools, loaded & build_tools
