"""Stage 1: Kafka record bytes -> a JSON object."""

from __future__ import annotations

from typing import Any

import orjson

from workers.pipeline.errors import Rejected

STAGE = "decode"


def decode(value: bytes | None) -> dict[str, Any]:
    """Parse one record value. orjson rejects invalid UTF-8 itself, which we report separately."""
    if value is None:
        raise Rejected("not_json", "record has no value (tombstone)", STAGE)
    try:
        obj = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise Rejected(
                "invalid_utf8", f"value is not UTF-8: {uexc.reason} at byte {uexc.start}", STAGE
            ) from None
        raise Rejected("not_json", f"value is not JSON: {exc}", STAGE) from None
    if not isinstance(obj, dict):
        raise Rejected("not_an_object", f"JSON value is a {type(obj).__name__}, not an object", STAGE)
    return obj
