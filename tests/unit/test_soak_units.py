"""The soak's verdict from RSS samples (the run itself is ``make soak``)."""

from __future__ import annotations

from tests.reliability.soak import Run, Sample

MIB = 2**20


def run_of(rss_mib: list[float], articles: int = 1000) -> Run:
    step = articles // (len(rss_mib) - 1)
    samples = [Sample(float(i), i * step, int(r * MIB)) for i, r in enumerate(rss_mib)]
    return Run("t", articles, samples, done=articles, seconds=10.0)


def test_flat_memory_passes_and_reports_start_middle_end() -> None:
    run = run_of([400.0] * 50 + [401.0] * 51)
    assert run.failures() == []
    assert abs(run.growth()) < 0.01
    text = run.report()
    assert "RSS start 400.0 MiB" in text and "end 401.0 MiB" in text


def test_steady_growth_fails_with_its_slope() -> None:
    run = run_of([400.0 + i for i in range(101)])  # +1 MiB per 10 articles
    assert run.growth() > 0.05
    assert abs(run.slope_bytes_per_article() * 10 / MIB - 1.0) < 1e-6
    assert any("RSS grew" in f for f in run.failures())


def test_lost_articles_fail() -> None:
    run = run_of([400.0] * 11)
    run.done = 990
    assert run.failures() == ["only 990 of 1000 articles came out"]
