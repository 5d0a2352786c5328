"""khabar's Kafka headers: their names, and the one codec that writes and reads them.

A dead letter carries why it failed and where it came from; a record that ``khabar dlq replay``
sends back to the input topic carries which dead letter it was. The worker, ``khabar replay``,
``khabar dlq replay`` and the demo all go through the functions here, so a header is spelled
once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workers.core.outcomes import DeadLetter

#: Headers as Kafka clients hand them over (a value may be None) and take them.
Headers = Iterable[tuple[str, bytes | None]]

REASON = "khabar-reason"
STAGE = "khabar-stage"
ERROR_TYPE = "khabar-error-type"
ERROR = "khabar-error"
SOURCE_TOPIC = "khabar-source-topic"
SOURCE_PARTITION = "khabar-source-partition"
SOURCE_OFFSET = "khabar-source-offset"

REPLAYED_FROM = "khabar-replayed-from"
REPLAYED_REASON = "khabar-replayed-reason"
REPLAYED_SOURCE = "khabar-replayed-source"

#: The reason of a dead letter without a ``khabar-reason`` header (not written by khabar).
UNKNOWN_REASON = "unknown"
#: Longest ``khabar-error`` value, in bytes: the detail is for people, the reason for machines.
MAX_ERROR_BYTES = 2000


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record was read: topic, partition and offset."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


def dead_letter_headers(letter: DeadLetter, origin: Origin) -> list[tuple[str, bytes]]:
    """Why and where from: enough to filter, replay and find the original record."""
    return [
        (REASON, letter.reason.encode()),
        (STAGE, letter.stage.encode()),
        (ERROR_TYPE, letter.error_type.encode()),
        (ERROR, letter.detail.encode("utf-8", "replace")[:MAX_ERROR_BYTES]),
        (SOURCE_TOPIC, origin.topic.encode()),
        (SOURCE_PARTITION, str(origin.partition).encode()),
        (SOURCE_OFFSET, str(origin.offset).encode()),
    ]


def header(headers: Headers | None, name: str) -> str | None:
    """The last value of header ``name`` as text, or ``None``."""
    found = None
    for key, value in headers or ():
        if key == name and value is not None:
            found = value.decode("utf-8", "replace")
    return found


def reason_of(headers: Headers | None) -> str:
    """A dead letter's reason; :data:`UNKNOWN_REASON` when it has none."""
    return header(headers, REASON) or UNKNOWN_REASON


def source_of(headers: Headers | None) -> Origin | None:
    """Where a dead letter's original record was, when its headers say so completely."""
    topic, partition, offset = (
        header(headers, name) for name in (SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET)
    )
    if not (topic and partition and offset and partition.isdigit() and offset.isdigit()):
        return None
    return Origin(topic, int(partition), int(offset))


def replay_headers(dead_letter: Origin, reason: str, headers: Headers | None) -> list[tuple[str, bytes]]:
    """Where a replayed record came from: the dead letter (``headers`` are its own), its reason,
    and the original record."""
    out = [(REPLAYED_FROM, str(dead_letter).encode()), (REPLAYED_REASON, reason.encode())]
    source = source_of(headers)
    if source is not None:
        out.append((REPLAYED_SOURCE, str(source).encode()))
    return out
