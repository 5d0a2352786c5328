"""deploy/grafana/khabar-dashboard.json: importable and provisionable, every query parses (promtool)
and selects only metrics the worker exposes, and the world map is wired to the country label."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from tests.deploy.monitoring import GRAFANA_DIR, assert_promtool_ok, known_series, metric_names

DASHBOARD: Final = GRAFANA_DIR / "khabar-dashboard.json"
#: Every panel and query goes through the datasource variable, so the JSON works both imported
#: (the import dialog sets the variable from DS_PROMETHEUS) and provisioned (where ${DS_PROMETHEUS}
#: is never substituted).
DATASOURCE: Final = {"type": "prometheus", "uid": "${datasource}"}
#: Concrete stand-ins for Grafana's variables, so that promtool can parse the queries.
VARIABLES: Final = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h", "instance": ".*"}


def dashboard() -> dict[str, Any]:
    data = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def panels() -> Iterator[dict[str, Any]]:
    """All panels, including those inside rows (collapsed rows keep theirs in `panels`)."""
    for panel in dashboard()["panels"]:
        yield panel
        yield from panel.get("panels", [])


def visual_panels() -> list[dict[str, Any]]:
    return [panel for panel in panels() if panel["type"] != "row"]


def targets() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for panel in visual_panels():
        for target in panel.get("targets", []):
            yield panel, target


def variable(name: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [v for v in dashboard()["templating"]["list"] if v["name"] == name]
    assert len(matches) == 1, f"expected one template variable {name!r}"
    return matches[0]


def substitute(expr: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in VARIABLES, f"unexpected Grafana variable ${name} in {expr}"
        return VARIABLES[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, expr)


# -- dashboard as a whole -------------------------------------------------------------------------
def test_dashboard_identity() -> None:
    data = dashboard()
    assert data["uid"] == "khabar-worker"
    assert data["title"] == "khabar worker"
    assert data["tags"]
    assert data["schemaVersion"] >= 36
    assert data.get("id") is None, "an exported id would clash with dashboards of the target Grafana"


def test_import_inputs_and_requirements() -> None:
    data = dashboard()
    assert [(i["name"], i["type"], i["pluginId"]) for i in data["__inputs"]] == [
        ("DS_PROMETHEUS", "datasource", "prometheus")
    ]
    required = {(r["type"], r["id"]) for r in data["__requires"]}
    assert {("grafana", "grafana"), ("datasource", "prometheus")} <= required
    assert {("panel", panel["type"]) for panel in visual_panels()} <= required


def test_template_variables() -> None:
    datasource = variable("datasource")
    assert (datasource["type"], datasource["query"]) == ("datasource", "prometheus")
    assert datasource["current"]["value"] == "${DS_PROMETHEUS}", "the import dialog's choice must land here"
    instance = variable("instance")
    assert instance["type"] == "query"
    assert instance["datasource"] == DATASOURCE
    assert instance["multi"] and instance["includeAll"]
    query = instance["query"]["query"] if isinstance(instance["query"], dict) else instance["query"]
    assert query == "label_values(khabar_articles_consumed_total, instance)"


def test_panel_ids_are_unique() -> None:
    ids = [panel["id"] for panel in panels()]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {sorted(i for i in ids if ids.count(i) > 1)}"


def test_panels_fit_the_grid_without_overlapping() -> None:
    taken: dict[tuple[int, int], str] = {}
    for panel in panels():
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in taken, f"{panel['title']!r} overlaps {taken[(x, y)]!r}"
                taken[(x, y)] = panel["title"]


# -- panels and queries ---------------------------------------------------------------------------
def test_every_panel_uses_the_datasource_variable() -> None:
    for panel in visual_panels():
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], f"{panel['title']!r} has no query"
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]


def test_every_panel_has_a_unit() -> None:
    for panel in visual_panels():
        if panel["type"] != "table":
            assert panel["fieldConfig"]["defaults"].get("unit"), f"{panel['title']!r} has no unit"


def test_queries_select_only_known_metrics() -> None:
    allowed = known_series()
    unknown = {
        f"{panel['title']}: {name}"
        for panel, target in targets()
        for name in metric_names(target["expr"])
        if name not in allowed
    }
    assert not unknown, f"panels query metrics the worker does not expose: {sorted(unknown)}"


def test_queries_parse(tmp_path: Path) -> None:
    """promtool has no "parse this expression" command, so each query becomes a recording rule."""
    queries = [
        {"record": f"grafana:panel_{panel['id']}:{target['refId']}", "expr": substitute(target["expr"])}
        for panel, target in targets()
    ]
    assert queries
    rules = tmp_path / "dashboard.rules.yml"
    # JSON is YAML: no YAML library needed to write the rule file.
    rules.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": queries}]}), encoding="utf-8")
    assert_promtool_ok("check", "rules", str(rules))


@pytest.mark.parametrize(
    ("title", "metric"),
    [
        ("Articles per second", "khabar_articles_consumed_total"),
        ("End-to-end latency", "khabar_end_to_end_latency_seconds_bucket"),
        ("Stage duration p99", "khabar_stage_duration_seconds_bucket"),
        ("Consumer lag per partition", "khabar_consumer_lag"),
        ("Stage failures by stage and error type", "khabar_articles_failed_total"),
        ("Dead letters by reason", "khabar_articles_dead_lettered_total"),
        ("In-flight articles", "khabar_in_flight_articles"),
        ("Batch size", "khabar_batch_size_bucket"),
        ("Up / ready per worker", "khabar_ready"),
        ("Languages", "khabar_articles_by_language_total"),
        ("Entities by label", "khabar_entities_total"),
        ("Top countries", "khabar_locations_total"),
    ],
)
def test_panel_shows_metric(title: str, metric: str) -> None:
    matching = [panel for panel in visual_panels() if panel["title"] == title]
    assert len(matching) == 1, f"expected one panel {title!r}"
    assert any(metric in metric_names(target["expr"]) for target in matching[0]["targets"])


def test_world_map_looks_up_countries() -> None:
    """Grafana's countries gazetteer is keyed by ISO 3166 alpha-2, the worker's `country` label."""
    maps = [panel for panel in visual_panels() if panel["type"] == "geomap"]
    assert len(maps) == 1
    world = maps[0]
    lookups = [layer["location"] for layer in world["options"]["layers"]]
    assert {"mode": "lookup", "lookup": "country", "gazetteer": "public/gazetteer/countries.json"} in lookups
    (target,) = world["targets"]
    assert target["format"] == "table" and target["instant"], "one row per country, not one series each"
    assert "khabar_locations_total" in metric_names(target["expr"])
    assert re.search(r"\bby\s*\(\s*country\s*\)", target["expr"]), "one row per country code"
