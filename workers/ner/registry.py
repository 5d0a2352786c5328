"""Where NER models live, and which one a language gets.

Two layouts are understood, in one models directory (``KHABAR_MODELS_DIR``, else the models
shipped in ``workers/models/``) or in a separate Stanza resources directory
(``KHABAR_STANZA_RESOURCES``). Those directories reach this module as a :class:`ModelDirs`,
built from the settings object (:class:`workers.settings.ModelSettings`); the module never
reads the environment itself:

* the project's own models::

      <dir>/<lang>/ner.pt  <dir>/<lang>/manifest.json  [<dir>/<lang>/tokenize.pt]

  ``kind: "trained"`` (``khabar models train``, on annotated corpora) reads pre-split tokens
  from the project's tokenizer (:mod:`workers.ner.tokens`); a ``tokenize.pt`` beside it is
  Stanza's neural tokenizer, used only by ``khabar bench`` as the reference path it measures
  the tokenizer against. ``kind: "starter"`` (``khabar models train-starter``, template
  sentences) needs its ``tokenize.pt``.

* published Stanza models as ``stanza.download`` lays them out::

      <dir>/resources.json  <dir>/<lang>/tokenize/*.pt  <dir>/<lang>/ner/*.pt  (mwt/, pretrain/, ...)

A published model is preferred when one is installed: it was trained on real annotated text.
Nothing here imports torch or stanza, so listing models and failing early stay cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from workers.settings import ModelSettings

#: The settings' variable names, for messages and help texts that tell a user what to set.
ENV_MODELS_DIR = "KHABAR_MODELS_DIR"
ENV_STANZA_RESOURCES = "KHABAR_STANZA_RESOURCES"
MANIFEST = "manifest.json"
TOKENIZE_FILE = "tokenize.pt"
NER_FILE = "ner.pt"

ModelKind = Literal["trained", "starter", "published"]


class ModelMissingError(LookupError):
    """No NER model for a language that was explicitly required; the message says how to get one."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One language's installed NER model and what Stanza needs to load it."""

    lang: str
    kind: ModelKind
    #: For the project's models, the language folder; for a published one, the resources directory.
    directory: Path
    #: Stanza's neural tokenizer; ``None`` for a trained model that ships none.
    tokenize_path: Path | None
    ner_path: Path
    #: Published models whose tokenizer splits clitics need Stanza's ``mwt`` processor.
    needs_mwt: bool
    labels: tuple[str, ...]
    #: Whether the tagger feeds the model the project's own tokens (``tokenize_pretokenized``).
    pretokenized: bool
    #: Short, stable identity for the enriched event's ``processing.models``.
    version: str
    manifest: dict[str, Any]

    def files(self) -> list[Path]:
        """Every file the model consists of (for ``khabar models list``)."""
        if self.kind != "published":
            return sorted(p for p in self.directory.iterdir() if p.is_file())
        lang_dir = self.directory / self.lang
        return sorted(p for p in lang_dir.rglob("*.pt") if p.is_file())


def shipped_models_dir() -> Path:
    """The models that come with the package (``workers/models``)."""
    return Path(str(files("workers").joinpath("models")))


@dataclass(frozen=True, slots=True)
class ModelDirs:
    """Where models are looked for: what every lookup here is given instead of the environment.

    ``models_dir``: the models directory (``KHABAR_MODELS_DIR``); ``None`` means the shipped models.
    ``stanza_resources``: a ``stanza_resources`` directory of published models
    (``KHABAR_STANZA_RESOURCES``), searched before the models directory; ``None`` means none.
    ``ModelDirs()`` is therefore the shipped models alone, whatever the environment says.
    """

    models_dir: Path | None = None
    stanza_resources: Path | None = None

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> ModelDirs:
        """The directories ``settings`` names (a ``WorkerSettings`` is one); empty strings are unset."""
        return cls(models_dir=_path(settings.models_dir), stanza_resources=_path(settings.stanza_resources))

    def searched(self) -> list[tuple[Path, str]]:
        """(directory, the setting it came from), in order of preference for published models."""
        found: list[tuple[Path, str]] = []
        if self.stanza_resources is not None:
            found.append((self.stanza_resources, ENV_STANZA_RESOURCES))
        found.append((models_dir(self), ENV_MODELS_DIR if self.models_dir is not None else "shipped models"))
        return found


def _path(setting: str) -> Path | None:
    """A directory setting as a path; empty is unset, as an empty environment variable is."""
    return Path(setting).expanduser() if setting else None


def _or_configured(models: ModelDirs | None) -> ModelDirs:
    """``models``, else the directories the settings name (which read ``KHABAR_*`` variables)."""
    if models is not None:
        return models
    # Imported here: the settings module pulls in pydantic and the pipeline's decode module,
    # and the registry stays cheap to import and below the pipeline.
    from workers.settings import ModelSettings

    return ModelDirs.from_settings(ModelSettings())


def models_dir(models: ModelDirs | None = None) -> Path:
    """The models directory of ``models`` (default: the settings'): configured, else the shipped one."""
    dirs = _or_configured(models)
    return dirs.models_dir if dirs.models_dir is not None else shipped_models_dir()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _published(resources_dir: Path, lang: str) -> ModelSpec | None:
    """The published Stanza model for ``lang`` under a ``stanza_resources`` directory, if any."""
    resources = _read_json(resources_dir / "resources.json")
    lang_dir = resources_dir / lang
    ner = sorted((lang_dir / "ner").glob("*.pt"))
    tokenize = sorted((lang_dir / "tokenize").glob("*.pt"))
    if not resources or not ner or not tokenize:
        return None
    lang_res = resources.get(lang, {})
    lang_res = lang_res if isinstance(lang_res, dict) else {}
    default = lang_res.get("default_processors", {})
    default = default if isinstance(default, dict) else {}
    # The default package is the one Stanza itself would load; else the first one installed.
    ner_default = default.get("ner")
    ner_path = lang_dir / "ner" / f"{ner_default}.pt" if isinstance(ner_default, str) else ner[0]
    tok_default = default.get("tokenize")
    tok_path = lang_dir / "tokenize" / f"{tok_default}.pt" if isinstance(tok_default, str) else tokenize[0]
    if not ner_path.exists():
        ner_path = ner[0]
    if not tok_path.exists():
        tok_path = tokenize[0]
    needs_mwt = "mwt" in default or any((lang_dir / "mwt").glob("*.pt"))
    version = f"stanza-{resources.get('version', lang_res.get('version', '?'))}:{lang}/{ner_path.stem}"
    return ModelSpec(
        lang=lang,
        kind="published",
        directory=resources_dir,
        tokenize_path=tok_path,
        ner_path=ner_path,
        needs_mwt=needs_mwt,
        labels=(),
        pretokenized=False,
        version=version,
        manifest={"kind": "published", "resources_version": resources.get("version")},
    )


def _own(directory: Path, lang: str) -> ModelSpec | None:
    """The project's own model for ``lang`` under ``directory``: trained, or a starter one."""
    lang_dir = directory / lang
    tokenize, ner = lang_dir / TOKENIZE_FILE, lang_dir / NER_FILE
    if not ner.is_file():
        return None
    manifest = _read_json(lang_dir / MANIFEST)
    trained = manifest.get("kind") == "trained"
    if not trained and not tokenize.is_file():
        return None  # a starter model cannot tokenize without its tokenizer
    kind: ModelKind = "trained" if trained else "starter"
    digest = str(manifest.get("training_data_sha256", ""))[:8] or "unknown"
    labels = manifest.get("labels", [])
    return ModelSpec(
        lang=lang,
        kind=kind,
        directory=lang_dir,
        tokenize_path=tokenize if tokenize.is_file() else None,
        ner_path=ner,
        needs_mwt=False,
        labels=tuple(str(x) for x in labels) if isinstance(labels, list) else (),
        pretokenized=trained,
        version=f"{kind}:{lang}/{digest}",
        manifest=manifest,
    )


def find_model(lang: str, models: ModelDirs | None = None) -> ModelSpec | None:
    """The model ``lang`` gets: a published one if installed in any of ``models``' directories, else
    the project's; ``None`` when there is neither. ``models`` defaults to the settings'."""
    dirs = _or_configured(models).searched()
    for directory, _ in dirs:
        spec = _published(directory, lang)
        if spec is not None:
            return spec
    for directory, _ in dirs:
        spec = _own(directory, lang)
        if spec is not None:
            return spec
    return None


def missing_message(lang: str, models: ModelDirs | None = None) -> str:
    """What to tell a user whose required language has no model in ``models`` (default: the
    settings'): where we looked, and the command that fixes it."""
    dirs = _or_configured(models)
    where = ", ".join(f"{d} ({src})" for d, src in dirs.searched())
    # Training writes to the shipped models by default, so only a configured directory needs naming.
    out = f" --out {dirs.models_dir}" if dirs.models_dir is not None else ""
    return (
        f"no NER model for language {lang!r} in {where}. "
        f"Train one with `khabar models train --lang {lang} --train FILE.bio --dev FILE.bio{out}`, "
        f"or install Stanza's published one with `khabar models download {lang}`."
    )


def require_model(lang: str, models: ModelDirs | None = None) -> ModelSpec:
    """Like :func:`find_model`, but a missing model raises :class:`ModelMissingError`."""
    dirs = _or_configured(models)
    spec = find_model(lang, dirs)
    if spec is None:
        raise ModelMissingError(missing_message(lang, dirs))
    return spec


def installed_models(models: ModelDirs | None = None) -> list[ModelSpec]:
    """Every model found in ``models``' directories (default: the settings'), each language once:
    the model it gets."""
    dirs = _or_configured(models)
    langs: set[str] = set()
    for directory, _ in dirs.searched():
        if directory.is_dir():
            langs.update(p.name for p in directory.iterdir() if p.is_dir() and not p.name.startswith("_"))
    found = [find_model(lang, dirs) for lang in sorted(langs)]
    return [spec for spec in found if spec is not None]
