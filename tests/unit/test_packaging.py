"""What the package ships: the workers package, not the tests (pyproject.toml is read, nothing is built)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_the_wheel_holds_the_workers_package_only() -> None:
    wheel = pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["workers"]
    assert not any(str(path).startswith("tests") for path in wheel.get("force-include", {}).values())
