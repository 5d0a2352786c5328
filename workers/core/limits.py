"""The worker's default limits on one record, shared by the stages that enforce them and the
settings that configure them (``KHABAR_MAX_RECORD_BYTES``, ``KHABAR_MAX_BODY_CHARS``)."""

from __future__ import annotations

#: Largest record value parsed, in bytes; a bigger one is dead-lettered unparsed.
DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024
#: Longest body enriched, in characters; a longer one is dead-lettered.
DEFAULT_MAX_BODY_CHARS = 200_000
