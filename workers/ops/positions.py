"""Where a one-shot job starts and stops in a topic: ``TIME|OFFSET`` as the user writes it.

* an offset: a whole number applied to every partition (clamped to what the partition holds),
  or ``earliest`` / ``latest``;
* a time: ISO 8601 / RFC 3339 (``2026-11-29T10:00:00Z``; UTC when it has no offset), or
  relative to now (``-30m``, ``-2h``, ``-1d12h``).

A time means, per partition, "the first record whose timestamp is at or after it" (Kafka's
``offsets_for_times`` rule): ``--from TIME`` starts there, ``--to TIME`` stops before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

FORMS = (
    "an offset (a whole number, 'earliest' or 'latest'), an ISO 8601 time "
    "(2026-11-29T10:00:00Z) or a time relative to now (-30m, -2h, -1d12h)"
)


@dataclass(frozen=True, slots=True)
class Earliest:
    def __str__(self) -> str:
        return "earliest"


@dataclass(frozen=True, slots=True)
class Latest:
    def __str__(self) -> str:
        return "latest"


@dataclass(frozen=True, slots=True)
class AtOffset:
    offset: int

    def __str__(self) -> str:
        return f"offset {self.offset}"


@dataclass(frozen=True, slots=True)
class AtTime:
    #: Milliseconds since the Unix epoch, as Kafka timestamps are.
    ms: int

    def __str__(self) -> str:
        return datetime.fromtimestamp(self.ms / 1000, UTC).isoformat(timespec="milliseconds")


Position = Earliest | Latest | AtOffset | AtTime

_RELATIVE = re.compile(r"-((?:\d+(?:\.\d+)?[smhdw])+)")
_UNIT = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_position(text: str, now: datetime | None = None) -> Position:
    """``"earliest"``, ``"1200"``, ``"-2h"`` or ``"2026-11-29T10:00:00Z"`` -> a :data:`Position`.

    Raises ``ValueError`` with the accepted forms when ``text`` is none of them.
    """
    raw = text.strip()
    word = raw.lower()
    if word in ("earliest", "beginning"):
        return Earliest()
    if word in ("latest", "end"):
        return Latest()
    if raw.isdigit():
        return AtOffset(int(raw))
    relative = _RELATIVE.fullmatch(word)
    if relative:
        seconds = sum(float(n) * _SECONDS[unit] for n, unit in _UNIT.findall(relative.group(1)))
        moment = (now or datetime.now(UTC)) - timedelta(seconds=seconds)
        return AtTime(_epoch_ms(moment))
    if re.fullmatch(r"-\d+", raw):
        raise ValueError(f"{text!r}: a relative time needs a unit (s, m, h, d or w), e.g. {raw}h")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{text!r} is not {FORMS}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return AtTime(_epoch_ms(moment))


def before(start: Position, stop: Position) -> bool:
    """False when ``stop`` surely comes no later than ``start`` (an empty slice, likely a typo);
    positions of different kinds cannot be compared before reading, so they pass."""
    if isinstance(stop, Earliest) or isinstance(start, Latest):
        return False
    if isinstance(start, AtOffset) and isinstance(stop, AtOffset):
        return start.offset < stop.offset
    if isinstance(start, AtTime) and isinstance(stop, AtTime):
        return start.ms < stop.ms
    return True


def _epoch_ms(moment: datetime) -> int:
    return max(0, round(moment.timestamp() * 1000))


def start_offset(position: Position, beginning: int, end: int, time_offset: int | None = None) -> int:
    """The first offset to read in a partition holding ``[beginning, end)``.

    For a time, ``time_offset`` is the broker's ``offsets_for_times`` answer (``None``: no record
    that late); records before the time are still skipped while reading, see ``TimeWindow``.
    """
    if isinstance(position, Earliest):
        return beginning
    if isinstance(position, Latest):
        return end
    if isinstance(position, AtOffset):
        return min(max(position.offset, beginning), end)
    return end if time_offset is None else min(max(time_offset, beginning), end)


def stop_offset(position: Position, beginning: int, end: int) -> int:
    """The offset to stop before (exclusive). A time stops at the first record at or after it,
    which only reading can find, so it reads up to ``end``."""
    if isinstance(position, Earliest):
        return beginning
    if isinstance(position, AtOffset):
        return min(max(position.offset, beginning), end)
    return end


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The time bounds of a read: ``from_ms`` inclusive, ``to_ms`` exclusive (``None``: open)."""

    from_ms: int | None = None
    to_ms: int | None = None

    @classmethod
    def of(cls, start: Position, stop: Position) -> TimeWindow:
        return cls(
            start.ms if isinstance(start, AtTime) else None,
            stop.ms if isinstance(stop, AtTime) else None,
        )

    def before_start(self, timestamp_ms: int) -> bool:
        return self.from_ms is not None and timestamp_ms < self.from_ms

    def past_stop(self, timestamp_ms: int) -> bool:
        return self.to_ms is not None and timestamp_ms >= self.to_ms
