"""Why an article could not be enriched. Every dead letter carries one of these."""

from __future__ import annotations

from typing import Literal

#: Machine-readable dead-letter reasons (the ``khabar-reason`` header and a metric label).
Reason = Literal[
    "invalid_utf8",
    "not_json",
    "not_an_object",
    "schema_violation",
    "empty_body",
    "body_too_large",
    "stage_error",
]


class Rejected(Exception):
    """The article cannot be enriched; it goes to the dead-letter topic with ``reason``."""

    def __init__(self, reason: Reason, detail: str, stage: str) -> None:
        super().__init__(f"{reason} at {stage}: {detail}")
        self.reason: Reason = reason
        self.detail = detail
        self.stage = stage
