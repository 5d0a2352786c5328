"""``khabar models``: list, rebuild and download the NER models.

Registered on the main command with ``main.add_command(models)`` in :mod:`workers.cli`.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import click

from workers.ner.registry import ENV_MODELS_DIR, installed_models, models_dir
from workers.ner.training_data import LANGS, Lang

#: How long ``download`` waits for the model hosts before saying there is no network.
CONNECT_TIMEOUT_S = 5.0


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
    type=click.Choice(LANGS),
    help="Language to build (repeatable). Default: all of them.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Models directory to write <lang>/ into. Default: {ENV_MODELS_DIR} or the shipped models.",
)
@click.option("--seed", type=int, default=1234, show_default=True, help="Seed of data and training.")
def train_starter_command(langs: tuple[Lang, ...], out: Path | None, seed: int) -> None:
    """Rebuild the starter models from generated data (a few minutes per language on 2 cores)."""
    from workers.ner.train import train_starter

    target = out or models_dir()
    started = time.monotonic()
    trained = train_starter(langs or LANGS, target, seed=seed, progress=click.echo)
    for model in trained:
        size = sum(p.stat().st_size for p in model.directory.iterdir() if p.is_file())
        click.echo(f"{model.lang}: {model.directory} ({_size(size)}, {model.seconds:.0f}s)")
    click.echo(f"starter models written to {target} in {time.monotonic() - started:.0f}s")


@models.command("list")
def list_command() -> None:
    """Show the NER model each language gets: kind, where, files with sizes, labels."""
    found = installed_models()
    if not found:
        click.echo(f"no NER models in {models_dir()}; run `khabar models train-starter`")
        return
    for spec in found:
        labels = ",".join(spec.labels) or "(from the model)"
        click.echo(f"{spec.lang}  {spec.kind}  {spec.directory}  labels={labels}  version={spec.version}")
        for path in spec.files():
            click.echo(f"    {path.name:<28} {_size(path.stat().st_size):>9}")


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

    target = directory or models_dir()
    url = resources_url or DEFAULT_RESOURCES_URL
    problem = _reachable(url, CONNECT_TIMEOUT_S)
    if problem is not None:
        raise click.ClickException(
            f"cannot reach Stanza's model server ({problem}). This machine seems to have no network: "
            f"download on a connected machine with `khabar models download {lang} --dir DIR` and copy "
            f"DIR here, then point {ENV_MODELS_DIR} (or KHABAR_STANZA_RESOURCES) at it."
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
