"""The chaos suite's fast part: every scenario with a few hundred articles, on its own
embedded broker. `make chaos` plays the same scenarios with 3000 articles and prints the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.chaos import SCENARIOS, format_table, run_scenario

pytestmark = pytest.mark.broker

ARTICLES = 300


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_loses_nothing(name: str, tmp_path: Path) -> None:
    row = run_scenario(name, ARTICLES, tmp_path)
    print("\n" + format_table([row]))
    assert row.sent >= ARTICLES
    assert row.lost == 0, format_table([row])
    assert row.ok, format_table([row])
