"""``khabar models``: list, rebuild and download the NER models.

Registered on the main command with ``main.add_command(models)`` in :mod:`workers.cli`.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import click

from workers.ner.registry import ENV_MODELS_DIR, ENV_STANZA_RESOURCES, ModelDirs, installed_models, models_dir

#: Languages the starter generator writes sentences for (``workers.ner.training_data.LANGS``,
#: not imported here: the worker loads this module, and training code stays out of its way).
STARTER_LANGS = ("ar", "en")

#: How long ``download`` waits for the model hosts before saying there is no network.
CONNECT_TIMEOUT_S = 5.0


def _configured() -> ModelDirs:
    """The model directories the settings (``KHABAR_*``) name, read when a command runs."""
    # Imported here: the settings module imports the pipeline's, which workers.ner stays below.
    from workers.settings import ModelSettings

    return ModelDirs.from_settings(ModelSettings())


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


@click.group("models")
def models() -> None:
    """Named-entity models: what is installed, rebuild the starter ones, fetch Stanza's.

    Models are read from KHABAR_MODELS_DIR, else from the starter models shipped with khabar.
    Published Stanza models (a stanza_resources directory, also via KHABAR_STANZA_RESOURCES)
    are preferred automatically when installed.
    """


@models.command("train-starter")
@click.option(
    "--lang",
    "langs",
    multiple=True,
    type=click.Choice(STARTER_LANGS),
    help="Language to build (repeatable). Default: all of them.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Models directory to write <lang>/ into (never the shipped models by default: their "
    "NER models are trained on annotated news).",
)
@click.option("--seed", type=int, default=1234, show_default=True, help="Seed of data and training.")
def train_starter_command(langs: tuple[str, ...], out: Path, seed: int) -> None:
    """Build template-trained starter models (neural tokenizer + NER) from generated data.

    The shipped NER models are trained on annotated news (`khabar models train`). The shipped
    <lang>/tokenize.pt is the starter tokenizer of seed 1234, copied there: `khabar bench`
    puts it in front of the shipped NER model to measure the project's tokenizer against it.
    """
    from workers.ner.train import train_starter
    from workers.ner.training_data import LANGS

    target = out
    started = time.monotonic()
    chosen = [lang for lang in LANGS if not langs or lang in langs]
    trained = train_starter(chosen, target, seed=seed, progress=click.echo)
    for model in trained:
        size = sum(p.stat().st_size for p in model.directory.iterdir() if p.is_file())
        click.echo(f"{model.lang}: {model.directory} ({_size(size)}, {model.seconds:.0f}s)")
    click.echo(f"starter models written to {target} in {time.monotonic() - started:.0f}s")


@models.command("train")
@click.option("--lang", required=True, help="Language code of the corpora, e.g. ar or en.")
@click.option(
    "--train",
    "train_files",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Training corpus in BIO (token<TAB>tag, blank line between sentences); repeatable.",
)
@click.option(
    "--dev",
    "dev_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Dev corpus in BIO: picks the best checkpoint, and its scores go into the manifest.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Models directory to write <lang>/ into. Default: {ENV_MODELS_DIR} or the shipped models.",
)
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    default=None,
    help="Training steps (default 14000; the best dev checkpoint is kept).",
)
@click.option("--seed", type=int, default=1234, show_default=True, help="Seed of the trainer.")
@click.option("--licence", default=None, help="Licence terms of the corpora, when they are not known ones.")
@click.option(
    "--templates",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Add this many generated sentences (the starter templates; ar and en) to the corpora.",
)
def train_command(
    lang: str,
    train_files: tuple[Path, ...],
    dev_file: Path,
    out: Path | None,
    steps: int | None,
    seed: int,
    licence: str | None,
    templates: int,
) -> None:
    """Train the NER model for LANG on annotated corpora with Stanza's own trainer, offline.

    The corpora are split by khabar's tokenizer first, so the model learns the tokens the
    worker gives it. One thread, fixed seed: the same files give the same model. About 40
    minutes for CoNLL-2003 English on one core (11 000 steps, the shipped model's). Writes
    <out>/<lang>/ner.pt and a manifest with the data's origin, licence, dev scores and this
    command; other files in the folder (a neural tokenizer kept for `khabar bench`) are left alone. Example:

    \b
        khabar models train --lang en --train ../shared/ner/en/conll2003.train.bio \\
            --dev ../shared/ner/en/conll2003.dev.bio
    """
    import shlex

    from workers.ner.train import NerConfig, train_ner

    target = out or models_dir(_configured())
    config = NerConfig() if steps is None else NerConfig(steps=steps)
    words = ["khabar", "models", "train", "--lang", lang]
    for path in train_files:
        words += ["--train", str(path)]
    words += ["--dev", str(dev_file), "--steps", str(config.steps), "--seed", str(seed)]
    if templates:
        words += ["--templates", str(templates)]
    if licence:
        words += ["--licence", licence]
    if out is not None:
        words += ["--out", str(out)]
    command = shlex.join(words)
    try:
        model = train_ner(
            lang, list(train_files), dev_file, target, config=config, seed=seed, licence=licence,
            templates=templates, command=command, progress=click.echo,
        )  # fmt: skip
    except (ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc
    size = sum(p.stat().st_size for p in model.directory.iterdir() if p.is_file())
    click.echo(f"{lang}: {model.directory} ({_size(size)}, {model.seconds:.0f}s)")


@models.command("list")
def list_command() -> None:
    """Show the NER model each language gets: kind, where, files with sizes, labels, and for a
    trained model the data it learned from, its licence, its dev scores and the command that
    rebuilds it."""
    dirs = _configured()
    found = installed_models(dirs)
    if not found:
        where = ", ".join(str(d) for d, _ in dirs.searched())
        click.echo(f"no NER models in {where}; run `khabar models train --help`")
        return
    for spec in found:
        labels = ",".join(spec.labels) or "(from the model)"
        tokens = "the project's tokenizer" if spec.pretokenized else "Stanza's tokenizer"
        click.echo(f"{spec.lang}  {spec.kind}  {spec.directory}  labels={labels}  version={spec.version}")
        click.echo(f"    tokens: {tokens}")
        for path in spec.files():
            click.echo(f"    {path.name:<28} {_size(path.stat().st_size):>9}")
        for line in _provenance(spec.manifest):
            click.echo(f"    {line}")


def _provenance(manifest: dict[str, Any]) -> list[str]:
    """What a trained model's manifest says of its data, licence, dev scores and rebuild command."""
    lines: list[str] = []
    data = manifest.get("data")
    if isinstance(data, dict):
        for source in data.get("train", []):
            lines.append(f"trained on: {source.get('file')} (sha256 {str(source.get('sha256'))[:12]})")
            lines.append(f"  licence: {source.get('licence')}")
    dev = manifest.get("dev")
    if isinstance(dev, dict) and isinstance(dev.get("scores"), dict):
        parts = [
            f"{label} {values['f1']:.3f}"
            for label, values in dev["scores"].items()
            if isinstance(values, dict) and "f1" in values
        ]
        lines.append(f"dev ({dev.get('file')}, strict F1): {', '.join(parts)}")
    if manifest.get("command"):
        lines.append(f"rebuild: {manifest['command']}")
    return lines


def _reachable(url: str, timeout: float) -> str | None:
    """None when ``url``'s host accepts a connection within ``timeout``, else why not.

    Name resolution ignores socket timeouts, so the whole check runs in a thread that is
    abandoned when it takes too long: an offline machine fails here in seconds, not minutes.
    """
    parsed = urlparse(url)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(None)
        except Exception as exc:  # any failure to connect means: no usable network
            outcome.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout + 1)
    if not outcome:
        return f"no answer from {host}:{port} within {timeout:.0f}s"
    return outcome[0]


@models.command("download")
@click.argument("lang")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"stanza_resources directory to install into. Default: {ENV_MODELS_DIR} or the shipped models.",
)
@click.option("--resources-url", default=None, hidden=True, help="Stanza's resources URL (for tests).")
def download_command(lang: str, directory: Path | None, resources_url: str | None) -> None:
    """Install Stanza's published tokenizer and NER models for LANG (needs the network)."""
    import stanza
    from stanza.resources.common import DEFAULT_RESOURCES_URL

    target = directory or models_dir(_configured())
    url = resources_url or DEFAULT_RESOURCES_URL
    problem = _reachable(url, CONNECT_TIMEOUT_S)
    if problem is not None:
        raise click.ClickException(
            f"cannot reach Stanza's model server ({problem}). This machine seems to have no network: "
            f"download on a connected machine with `khabar models download {lang} --dir DIR` and copy "
            f"DIR here, then point {ENV_MODELS_DIR} (or {ENV_STANZA_RESOURCES}) at it."
        )
    target.mkdir(parents=True, exist_ok=True)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(60)  # a stalled transfer fails instead of hanging the command
    try:
        stanza.download(
            lang,
            model_dir=str(target),
            processors="tokenize,mwt,ner",
            resources_url=url,
            logging_level="INFO",
        )
    except Exception as exc:
        raise click.ClickException(f"download of {lang!r} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        socket.setdefaulttimeout(previous)
    click.echo(f"published Stanza models for {lang} installed in {target}; they are now preferred")
