"""Why an article could not be enriched. Every dead letter carries one of these.

One line per reason (the ``khabar-reason`` header of the dead letter, and the ``reason`` label):

- ``invalid_utf8``: the record value is not UTF-8 (raw surrogate bytes included).
- ``not_json``: the value is empty, a tombstone (no value at all), or not one JSON document; this
  includes nesting deeper than orjson's limit (1024 levels) and a string holding a lone
  surrogate escape (``"\\ud800"``), which has no UTF-8 form.
- ``not_an_object``: valid JSON whose top level is an array, string, number, boolean or null.
- ``record_too_large``: the value has more bytes than ``KHABAR_MAX_RECORD_BYTES``; it is not parsed.
- ``schema_violation``: the object breaks ``raw_article.v1.json``: ``id`` or ``body`` missing,
  empty or not a string, a field of the wrong type, or a field over its length limit.
- ``empty_body``: the body has no visible text (only whitespace, control or format characters).
- ``body_too_large``: the body has more characters than ``KHABAR_MAX_BODY_CHARS``.
- ``budget_exceeded``: the article ran over ``KHABAR_ARTICLE_BUDGET_S``; the stage named is the one
  that was running when the time ran out.
- ``stage_error``: an enrichment stage raised (a bug, or a model failing on this text); the stage
  is named and the exception's class is the error type.
"""

from __future__ import annotations

from typing import Literal

#: Machine-readable dead-letter reasons (the ``khabar-reason`` header and a metric label).
Reason = Literal[
    "invalid_utf8",
    "not_json",
    "not_an_object",
    "record_too_large",
    "schema_violation",
    "empty_body",
    "body_too_large",
    "budget_exceeded",
    "stage_error",
]


class Rejected(Exception):
    """The article cannot be enriched; it goes to the dead-letter topic with ``reason``."""

    def __init__(self, reason: Reason, detail: str, stage: str) -> None:
        super().__init__(f"{reason} at {stage}: {detail}")
        self.reason: Reason = reason
        self.detail = detail
        self.stage = stage
