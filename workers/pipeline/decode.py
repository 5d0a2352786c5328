"""Stage 1: Kafka record bytes -> a JSON object.

The value is only ever parsed as JSON (orjson), never evaluated or unpickled. Its size is checked
before parsing, so a huge record costs a ``len()``, not a parse. orjson itself rejects invalid
UTF-8 (reported separately), a lone surrogate escape such as ``"\\ud800"`` (no UTF-8 form) and
nesting deeper than 1024 levels, each with a ``JSONDecodeError``: those records are ``not_json``,
never a ``RecursionError``.
"""

from __future__ import annotations

from typing import Any

import orjson

from workers.core import stages
from workers.core.errors import Rejected
from workers.core.limits import DEFAULT_MAX_RECORD_BYTES

STAGE = stages.DECODE


def decode(value: bytes | None, max_bytes: int | None = DEFAULT_MAX_RECORD_BYTES) -> dict[str, Any]:
    """Parse one record value into a JSON object; ``max_bytes=None`` parses any size."""
    if value is None:
        raise Rejected("not_json", "record has no value (tombstone)", STAGE)
    if max_bytes is not None and len(value) > max_bytes:
        raise Rejected("record_too_large", f"record has {len(value)} bytes, limit is {max_bytes}", STAGE)
    try:
        obj = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise Rejected(
                "invalid_utf8", f"value is not UTF-8: {uexc.reason} at byte {uexc.start}", STAGE
            ) from None
        raise Rejected("not_json", f"value is not JSON: {exc}"[:500], STAGE) from None
    if not isinstance(obj, dict):
        raise Rejected("not_an_object", f"JSON value is a {type(obj).__name__}, not an object", STAGE)
    return obj


class DecodeStage:
    """:func:`decode` as a stage: the record's value in, its JSON object out."""

    name = STAGE
    requires = ("value",)
    provides = "record"
    finishing = False
    model_version = ""

    def __init__(self, max_bytes: int | None = DEFAULT_MAX_RECORD_BYTES) -> None:
        #: Records with more bytes are dead-lettered unparsed (``record_too_large``); None: no cap.
        self.max_bytes = max_bytes

    def process(self, value: bytes | None) -> dict[str, Any]:
        return decode(value, self.max_bytes)
