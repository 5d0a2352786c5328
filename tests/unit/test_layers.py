"""Layers: the NER and gazetteer packages sit below the stream and the pipeline, and the NER
package is given its settings instead of reading the environment.

The source is read with ``ast``, so every import counts, also one inside a function or under
``TYPE_CHECKING``: a lazy import cannot hide a dependency the wrong way.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

WORKERS: Final = Path(__file__).resolve().parents[2] / "workers"
#: Packages that the stream and the pipeline build on, and so must not import them.
LOWER: Final = ("ner", "gazetteer")
UPPER: Final = ("workers.pipeline", "workers.stream")
#: Ways to read the environment: ``os.environ[...]``, ``os.getenv(...)`` and their ``from os`` forms.
ENV_NAMES: Final = frozenset({"environ", "environb", "getenv", "getenvb"})


def module_name(path: Path) -> str:
    parts = path.relative_to(WORKERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in ``tree``; ``from a import b`` also yields ``a.b``, which
    may be a module, and relative imports are resolved against ``path``'s package."""
    name = module_name(path).split(".")
    package = name if path.name == "__init__.py" else name[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def env_reads(tree: ast.AST) -> Iterator[int]:
    """Lines that read the environment. ``{**os.environ, ...}`` is allowed: it hands the whole
    environment on to a child process (the trainer's), reading no setting from it."""
    passed_on = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key, value in zip(node.keys, node.values, strict=True)
        if key is None
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENV_NAMES:
            if isinstance(node.value, ast.Name) and node.value.id == "os" and id(node) not in passed_on:
                yield node.lineno
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ENV_NAMES for alias in node.names)
        ):
            yield node.lineno


def sources(package: str) -> list[Path]:
    found = sorted((WORKERS / package).rglob("*.py"))
    assert found, f"no sources under workers/{package}"
    return found


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text("utf-8"), filename=str(path))


@pytest.mark.parametrize("package", LOWER)
def test_lower_packages_import_neither_stream_nor_pipeline(package: str) -> None:
    wrong = [
        f"{path.relative_to(WORKERS.parent)}:{line} imports {name}"
        for path in sources(package)
        for line, name in imported(path, parse(path))
        if any(name == upper or name.startswith(upper + ".") for upper in UPPER)
    ]
    assert not wrong, wrong


def test_the_core_imports_nothing_else_of_khabar() -> None:
    """workers/core (records, errors, budget, outcomes, headers, stage names) is what every layer
    may import, so it imports only itself."""
    wrong = [
        f"{path.relative_to(WORKERS.parent)}:{line} imports {name}"
        for path in sources("core")
        for line, name in imported(path, parse(path))
        if name.startswith("workers") and not (name == "workers.core" or name.startswith("workers.core."))
    ]
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("module", "above"),
    [
        ("settings.py", ("workers.pipeline", "workers.stream", "workers.sinks", "workers.ops")),
        ("kafka_clients.py", ("workers.pipeline", "workers.stream", "workers.sinks", "workers.ops")),
        ("sinks", ("workers.pipeline", "workers.stream", "workers.ops")),
        ("observability", ("workers.pipeline", "workers.stream", "workers.sinks", "workers.ops")),
        ("pipeline", ("workers.stream", "workers.sinks", "workers.ops")),
    ],
)
def test_imports_point_down(module: str, above: tuple[str, ...]) -> None:
    paths = [WORKERS / module] if module.endswith(".py") else sources(module)
    wrong = [
        f"{path.relative_to(WORKERS.parent)}:{line} imports {name}"
        for path in paths
        for line, name in imported(path, parse(path))
        if any(name == upper or name.startswith(upper + ".") for upper in above)
    ]
    assert not wrong, wrong


def test_ner_reads_no_environment_variables() -> None:
    """Model locations come from the settings object (``ModelSettings`` -> ``ModelDirs``)."""
    wrong = [
        f"{path.relative_to(WORKERS.parent)}:{line}"
        for path in sources("ner")
        for line in env_reads(parse(path))
    ]
    assert not wrong, wrong


def test_importing_ner_and_gazetteer_loads_no_upper_layer() -> None:
    """Also not through a module in between (the settings module imports the pipeline's decode
    module, so the registry imports it only when it needs the settings' defaults)."""
    probe = (
        "import sys, workers.ner.registry, workers.ner.tagger, workers.ner.cli, workers.gazetteer\n"
        f"print(sorted(m for m in sys.modules if m.startswith({UPPER!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("import os\nx = os.environ['A']\n", [2]),
        ("import os\nx = os.getenv('A')\n", [2]),
        ("from os import environ\n", [1]),
        ("import os\nenv = {**os.environ, 'A': '1'}\n", []),
        ("import os\nenv = {'A': os.environ}\n", [2]),
    ],
)
def test_the_environment_check_sees_reads_and_passes_hand_offs(source: str, lines: list[int]) -> None:
    assert list(env_reads(ast.parse(source))) == lines


def test_the_import_check_resolves_every_form() -> None:
    path = WORKERS / "ner" / "registry.py"
    tree = ast.parse("import workers.stream\nfrom workers import pipeline\nfrom ..pipeline import decode\n")
    names = {name for _, name in imported(path, tree)}
    assert {"workers.stream", "workers.pipeline", "workers.pipeline.decode"} <= names
