"""Logging set-up shared by every command: plain text for people, JSON lines for log pipelines.

Context travels in ``extra=``: ``log.warning("...", extra=record_context(...))``. The JSON
formatter emits those fields as top-level keys, so a log pipeline can filter on
``article_id``, ``partition`` or ``offset`` without parsing the message.
"""

from __future__ import annotations

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: The fields a record may carry through ``extra=``; nothing else from ``extra`` is emitted,
#: so a careless ``extra`` cannot leak a whole settings object into the logs.
CONTEXT_FIELDS = (
    "article_id",
    "topic",
    "partition",
    "offset",
    "reason",
    "stage",
    "error_type",
    "worker",
)


def record_context(
    *,
    article_id: str | None = None,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    **more: Any,
) -> dict[str, Any]:
    """``extra=`` for a log line about one Kafka record."""
    return {"article_id": article_id, "topic": topic, "partition": partition, "offset": offset, **more}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, context fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def logging_config(level: str, fmt: LogFormat = "text") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary (Faust's worker takes the same one)."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"khabar": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "khabar", "stream": "ext://sys.stderr"}
        },
        "root": {"level": level, "handlers": ["stderr"]},
        # aiokafka reports every retry of a metadata request at WARNING; one line per problem is enough.
        "loggers": {"aiokafka": {"level": max(logging.getLevelName(level), logging.ERROR)}},
    }


def configure_logging(level: str, fmt: LogFormat = "text") -> None:
    logging.config.dictConfig(logging_config(level, fmt))
