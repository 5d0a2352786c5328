"""Stage 2: a JSON object -> an :class:`Article`, checked against ``raw_article.v1.json``."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import best_match

from workers.contract import RAW_ARTICLE, validator
from workers.pipeline.errors import Rejected
from workers.records import Article

STAGE = "validate"


class Validator:
    """Checks the raw-article contract and the worker's own limits."""

    name = STAGE
    provides = frozenset({"article"})
    requires: frozenset[str] = frozenset()

    def __init__(self, max_body_chars: int = 200_000) -> None:
        self.max_body_chars = max_body_chars
        self._schema = validator(RAW_ARTICLE)

    def __call__(self, obj: dict[str, Any]) -> Article:
        error = best_match(self._schema.iter_errors(obj))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise Rejected("schema_violation", f"{where}: {error.message}"[:500], STAGE)
        body: str = obj["body"]
        if not body.strip():
            raise Rejected("empty_body", "body has no visible text", STAGE)
        if len(body) > self.max_body_chars:
            raise Rejected(
                "body_too_large", f"body has {len(body)} characters, limit is {self.max_body_chars}", STAGE
            )
        return Article(
            id=obj["id"],
            body=body,
            title=obj.get("title"),
            url=obj.get("url"),
            source=obj.get("source"),
            published_at=obj.get("published_at"),
            lang_hint=obj.get("lang"),
        )
