"""deploy/prometheus: the config loads, the rules parse and pass their promtool unit tests, every
alert is tested both ways, and the rules only query metrics the worker exposes."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Final

import pytest

# PyYAML comes in through huggingface_hub (stanza); it has no stubs in the environment yet.
import yaml

from tests.deploy.monitoring import PROMETHEUS_DIR, REPO, assert_promtool_ok, known_series, metric_names

CONFIG: Final = PROMETHEUS_DIR / "prometheus.yml"
RULES: Final = PROMETHEUS_DIR / "rules" / "khabar.rules.yml"
RULE_TESTS: Final = PROMETHEUS_DIR / "rules" / "khabar.rules.test.yml"
README: Final = PROMETHEUS_DIR / "README.md"

SEVERITIES: Final = frozenset({"critical", "warning"})
ANNOTATIONS: Final = frozenset({"summary", "description", "runbook"})


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: expected a mapping at the top level"
    return data


def rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(RULES)["groups"] for rule in group["rules"]]


def alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in rules() if "alert" in rule}


def relative(path: Path) -> str:
    return str(path.relative_to(REPO))


# -- promtool -------------------------------------------------------------------------------------
def test_config_is_valid() -> None:
    output = assert_promtool_ok("check", "config", relative(CONFIG))
    assert "1 rule files found" in output, output


def test_rules_are_valid() -> None:
    assert_promtool_ok("check", "rules", relative(RULES))


def test_rule_unit_tests_pass() -> None:
    assert_promtool_ok("test", "rules", relative(RULE_TESTS))


def test_config_loads_the_rules_but_not_their_tests() -> None:
    """Prometheus refuses a promtool test file as a rule file, and both live in rules/."""
    patterns = [str(CONFIG.parent / pattern) for pattern in load_yaml(CONFIG)["rule_files"]]
    loaded = {path for path in RULES.parent.iterdir() if any(fnmatch.fnmatch(str(path), p) for p in patterns)}
    assert loaded == {RULES}


# -- test coverage of the alerts ------------------------------------------------------------------
def alert_cases() -> list[dict[str, Any]]:
    return [case for test in load_yaml(RULE_TESTS)["tests"] for case in test.get("alert_rule_test", [])]


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_alert_is_tested_firing_and_quiet(alert: str) -> None:
    cases = [case for case in alert_cases() if case["alertname"] == alert]
    assert any(case.get("exp_alerts") for case in cases), f"no test case where {alert} fires"
    assert any(not case.get("exp_alerts") for case in cases), f"no test case where {alert} stays quiet"


def test_rule_tests_only_name_existing_alerts() -> None:
    unknown = {case["alertname"] for case in alert_cases()} - set(alerts())
    assert not unknown, f"tests for alerts that do not exist: {sorted(unknown)}"


def test_rule_tests_fix_the_group_order() -> None:
    """promtool otherwise evaluates groups in random order: alerts reading recorded series flake."""
    groups = [group["name"] for group in load_yaml(RULES)["groups"]]
    assert load_yaml(RULE_TESTS).get("group_eval_order") == groups


def test_recording_rules_are_tested() -> None:
    tested = {
        name
        for test in load_yaml(RULE_TESTS)["tests"]
        for case in test.get("promql_expr_test", [])
        for name in metric_names(case["expr"])
    }
    assert tested, "no promql_expr_test exercises a recording rule"
    assert tested <= {rule["record"] for rule in rules() if "record" in rule}


# -- content of the rules -------------------------------------------------------------------------
def test_rules_query_only_known_metrics() -> None:
    allowed = known_series() | {rule["record"] for rule in rules() if "record" in rule}
    unknown = {
        f"{rule.get('alert') or rule['record']}: {name}"
        for rule in rules()
        for name in metric_names(rule["expr"])
        if name not in allowed
    }
    assert not unknown, f"rules query metrics the worker does not expose: {sorted(unknown)}"


def test_recording_rule_names_follow_the_convention() -> None:
    """level:metric:operations keeps recorded series apart from scraped ones (and from KNOWN_METRICS)."""
    for rule in rules():
        if "record" in rule:
            assert re.fullmatch(r"[a-z_]+:khabar_[a-z0-9_]+:[a-z0-9_]+", rule["record"]), rule["record"]


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_alert_has_severity_and_annotations(alert: str) -> None:
    rule = alerts()[alert]
    assert rule.get("labels", {}).get("severity") in SEVERITIES
    assert set(rule.get("annotations", {})) >= ANNOTATIONS


def github_anchors(markdown: str) -> set[str]:
    """Anchors GitHub generates for headings: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_runbook_link_points_at_a_readme_section(alert: str) -> None:
    runbook = alerts()[alert]["annotations"]["runbook"]
    path, _, anchor = runbook.partition("#")
    assert path == relative(README), runbook
    assert anchor in github_anchors(README.read_text(encoding="utf-8")), f"{README} has no section #{anchor}"


# -- the tokenizer the metric checks rely on --------------------------------------------------------
def test_metric_names_finds_selectors_only() -> None:
    expr = """
        sum by (job, le) (rate(khabar_end_to_end_latency_seconds_bucket{le=~"5(\\\\.0)?", job="a b"}[5m]))
        / ignoring (x) group_left job:khabar_articles_consumed:rate5m offset 1h
        > bool 1e3 and absent(up{job="khabar"}) or histogram_quantile(0.99, foo[5m:1m]) unless -Inf
    """
    assert metric_names(expr) == {
        "khabar_end_to_end_latency_seconds_bucket",
        "job:khabar_articles_consumed:rate5m",
        "up",
        "foo",
    }
