"""What the monitoring files in deploy/ may refer to, and how to check them with promtool.

KNOWN_METRICS is read from the worker's prometheus-client registry, name -> type (the type says
which series names a family exposes: a histogram's _bucket, _count and _sum).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

import pytest

REPO: Final = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR: Final = REPO / "deploy" / "prometheus"
GRAFANA_DIR: Final = REPO / "deploy" / "grafana"

MetricType = Literal["counter", "gauge", "histogram"]


def worker_metrics() -> dict[str, MetricType]:
    """Metric families the worker's registry exposes, as named in the exposition format (counters
    with _total): the worker's own code is the list, so a renamed metric breaks these tests."""
    from workers.observability.metrics import PrometheusSensor

    families: dict[str, MetricType] = {}
    for family in PrometheusSensor().registry.collect():
        name = f"{family.name}_total" if family.type == "counter" else family.name
        families[name] = family.type if family.type in ("counter", "histogram") else "gauge"  # type: ignore[assignment]
    return families


KNOWN_METRICS: Final[Mapping[str, MetricType]] = worker_metrics()

#: Series Prometheus itself attaches to every scrape target.
SCRAPE_METRICS: Final = frozenset({"up"})


def known_series() -> frozenset[str]:
    """Every series name a query may select: scrape series and the worker's, histograms expanded."""
    names = set(SCRAPE_METRICS)
    for name, kind in KNOWN_METRICS.items():
        if kind == "histogram":
            names.update(f"{name}{suffix}" for suffix in ("_bucket", "_count", "_sum"))
        else:
            names.add(name)
    return frozenset(names)


# -- metric names in PromQL -------------------------------------------------------------------
# A tokenizer, not a parser: promtool checks that expressions parse, this only needs the
# identifiers that select series. Strings (label values, regexes), label matchers, range and
# subquery brackets and grouping label lists are removed first; of the identifiers left, those
# followed by "(" are functions or aggregations and the rest are keywords or metric names.
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
# Not preceded by a word character or '.': skips the exponent in 1e3 and units in 5m.
_IDENTIFIER = re.compile(r"(?<![\w.:$])[A-Za-z_:][\w:]*")
_KEYWORDS: Final = frozenset(
    {"and", "or", "unless", "bool", "offset", "group_left", "group_right", "inf", "nan"}
)


def metric_names(expr: str) -> set[str]:
    """Names of the series an expression selects (recording-rule names included)."""
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names: set[str] = set()
    for match in _IDENTIFIER.finditer(text):
        if text[match.end() :].lstrip().startswith("("):
            continue  # a function or an aggregation
        if match.group().lower() not in _KEYWORDS:
            names.add(match.group())
    return names


# -- promtool -------------------------------------------------------------------------------------
def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool from the repository root. A missing promtool fails the test: these checks are
    the only thing standing between a typo in a rule and an alert that silently never fires."""
    executable = shutil.which("promtool")
    if executable is None:
        pytest.fail(
            "promtool not found on PATH; install it with `apt-get install prometheus` "
            "(Debian/Ubuntu package, ships promtool) or put a Prometheus release's promtool on PATH",
            pytrace=False,
        )
    return subprocess.run(
        [executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )


def assert_promtool_ok(*args: str) -> str:
    result = promtool(*args)
    output = f"{result.stdout}\n{result.stderr}".strip()
    assert result.returncode == 0, f"promtool {' '.join(args)} failed ({result.returncode}):\n{output}"
    return output
