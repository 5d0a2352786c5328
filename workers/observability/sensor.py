"""What the worker reports about itself, as one protocol (after faust's ``Sensor``).

Business code calls a :class:`Sensor` it was given; it never touches a metrics library. The
worker's sensor is :class:`~workers.observability.metrics.PrometheusSensor` on the registry its
``/metrics`` endpoint serves; tools that report nothing (``khabar enrich``, ``khabar replay``)
and tests take :class:`NullSensor`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from workers.core.outcomes import Outcome


class Sensor(Protocol):
    def on_batch(self, size: int) -> None:
        """``size`` records were taken from the input topic as one batch."""

    def on_in_flight(self, delta: int) -> None:
        """Records taken and not yet acknowledged went up (or down) by ``delta``."""

    def on_stage(self, stage: str, seconds: float) -> None:
        """One article spent ``seconds`` in ``stage`` (``publish``: from send to the broker's ack)."""

    def on_processed(self, seconds: float) -> None:
        """One article took ``seconds`` from decode to encode."""

    def on_failure(self, stage: str, error_type: str) -> None:
        """An article failed ``stage`` (a rejection reason or an exception's class), or the stream
        itself failed (``publish``, ``stream``)."""

    def on_published(self, outcome: Outcome, record_timestamp: float | None) -> None:
        """The broker acknowledged ``outcome``; ``record_timestamp`` (epoch seconds) is the input
        record's, for the end-to-end latency."""

    def on_spans_dropped(self, count: int) -> None:
        """The tagger dropped ``count`` spans whose offsets did not match the text."""

    def on_lag(self, topic: str, lags: Mapping[int, int], gone: Iterable[int] = ()) -> None:
        """The lag of each assigned partition of ``topic``; ``gone``: partitions no longer assigned."""

    def on_assigned(self, partitions: int) -> None:
        """The group assigned this worker ``partitions`` input partitions."""

    def on_models_loaded(self, load_seconds: Mapping[str, float], models: Mapping[str, str]) -> None:
        """Models are loaded: seconds per component, and each stage's model version."""

    def on_readiness(self, ready: Callable[[], bool]) -> None:
        """``ready()`` says, whenever asked, whether the worker is ready."""


class NullSensor:
    """Reports nothing."""

    def on_batch(self, size: int) -> None:
        pass

    def on_in_flight(self, delta: int) -> None:
        pass

    def on_stage(self, stage: str, seconds: float) -> None:
        pass

    def on_processed(self, seconds: float) -> None:
        pass

    def on_failure(self, stage: str, error_type: str) -> None:
        pass

    def on_published(self, outcome: Outcome, record_timestamp: float | None) -> None:
        pass

    def on_spans_dropped(self, count: int) -> None:
        pass

    def on_lag(self, topic: str, lags: Mapping[int, int], gone: Iterable[int] = ()) -> None:
        pass

    def on_assigned(self, partitions: int) -> None:
        pass

    def on_models_loaded(self, load_seconds: Mapping[str, float], models: Mapping[str, str]) -> None:
        pass

    def on_readiness(self, ready: Callable[[], bool]) -> None:
        pass
