"""Start-up retries: the backoff schedule (the retry loop itself runs against no broker in
tests/integration and the chaos suite)."""

from __future__ import annotations

from workers.stream.connect import backoff_delays


def test_backoff_doubles_up_to_the_cap() -> None:
    assert backoff_delays() == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert backoff_delays(first=5, cap=12) == [5, 10, 12]
