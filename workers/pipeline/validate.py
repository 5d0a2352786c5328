"""Stage 2: a JSON object -> an :class:`Article`, checked against ``raw_article.v1.json``.

Detail messages never hold a ``repr`` of the offending value: a field holding a structure nested
a thousand levels deep (orjson allows 1024) would make ``repr`` overflow the stack, and a huge
one would be copied for nothing. Declared fields are therefore type-checked here first, shallowly,
before the schema validator (whose own messages ``repr`` the value) sees them.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from workers.contract import RAW_ARTICLE, load_schema, validator
from workers.core import stages
from workers.core.errors import Rejected
from workers.core.limits import DEFAULT_MAX_BODY_CHARS
from workers.core.records import Article

STAGE = stages.VALIDATE

#: Bodies longer than this (in characters) are dead-lettered (``KHABAR_MAX_BODY_CHARS``).


#: Characters that show nothing: whitespace (``str.isspace``), controls (NUL, ESC...) and format
#: characters (zero-width space, direction marks, BOM, soft hyphen).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})


def has_visible_text(text: str) -> bool:
    """Whether ``text`` holds a character that shows: a letter, digit, mark, symbol or punctuation."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES for ch in text)


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _type_allows(allowed: str | list[str], actual: str) -> bool:
    names = [allowed] if isinstance(allowed, str) else allowed
    return actual in names or (actual == "integer" and "number" in names)


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    limit = error.validator_value
    if error.validator == "maxLength":
        return f"{where}: longer than {limit} characters"
    if error.validator == "minLength":
        return f"{where}: shorter than {limit} character{'s' if limit != 1 else ''}"
    if error.validator == "type":
        return f"{where}: expected {limit}, got {json_type(error.instance)}"
    return f"{where}: {error.message}"[:500]


#: Schema keywords :func:`_fast_check` implements, at the top and per property. A schema using
#: any other keyword is checked by jsonschema alone.
_FAST_TOP = frozenset({"$schema", "$id", "title", "description", "type", "required", "properties"})
_FAST_PROPERTY = frozenset({"type", "minLength", "maxLength", "description"})
_PY_TYPES: dict[str, type] = {"string": str}

#: (name, required, allowed Python types incl. NoneType for "null", min length, max length).
_FieldRule = tuple[str, bool, tuple[type, ...], int, int | None]


def _fast_rules(schema: dict[str, Any]) -> tuple[_FieldRule, ...] | None:
    """The raw-article schema as plain per-field rules, or None when it says more than that."""
    if not set(schema) <= _FAST_TOP or schema.get("type") != "object":
        return None
    properties: dict[str, dict[str, Any]] = schema.get("properties", {})
    required = set(schema.get("required", []))
    if not required <= set(properties):
        return None
    rules: list[_FieldRule] = []
    for name, prop in properties.items():
        if not set(prop) <= _FAST_PROPERTY:
            return None
        names = prop.get("type")
        names = [names] if isinstance(names, str) else names
        if not names or not set(names) <= {"string", "null"} or "string" not in names:
            return None
        types: tuple[type, ...] = (str, type(None)) if "null" in names else (str,)
        rules.append((name, name in required, types, int(prop.get("minLength", 0)), prop.get("maxLength")))
    return tuple(rules)


def _fast_check(obj: dict[str, Any], rules: tuple[_FieldRule, ...]) -> bool:
    """True when ``obj`` certainly satisfies the schema the rules came from (False: ask jsonschema)."""
    for name, required, types, shortest, longest in rules:
        value = obj.get(name, _MISSING)
        if value is _MISSING:
            if required:
                return False
            continue
        if type(value) not in types:
            return False
        if value is not None and (len(value) < shortest or (longest is not None and len(value) > longest)):
            return False
    return True


_MISSING = object()


class Validator:
    """Checks the raw-article contract and the worker's own limits."""

    name = STAGE
    requires = ("record",)
    provides = "article"
    finishing = False
    model_version = ""

    def __init__(self, max_body_chars: int = DEFAULT_MAX_BODY_CHARS) -> None:
        self.max_body_chars = max_body_chars
        self._schema = validator(RAW_ARTICLE)
        properties: dict[str, dict[str, Any]] = load_schema(RAW_ARTICLE).get("properties", {})
        self._types = {name: prop["type"] for name, prop in properties.items() if "type" in prop}
        #: Plain checks that accept exactly what the schema accepts; jsonschema then only runs
        #: for a document they do not accept, to confirm and to say what is wrong with it.
        self._fast = _fast_rules(load_schema(RAW_ARTICLE))

    def process(self, record: dict[str, Any]) -> Article:
        obj = record
        if self._fast is None or type(obj) is not dict or not _fast_check(obj, self._fast):
            self._check_schema(obj)
        body: str = obj["body"]
        if len(body) > self.max_body_chars:
            raise Rejected(
                "body_too_large", f"body has {len(body)} characters, limit is {self.max_body_chars}", STAGE
            )
        if not has_visible_text(body):
            raise Rejected("empty_body", "body has no visible text", STAGE)
        return Article(
            id=obj["id"],
            body=body,
            title=obj.get("title"),
            url=obj.get("url"),
            source=obj.get("source"),
            published_at=obj.get("published_at"),
            lang_hint=obj.get("lang"),
        )

    def _check_schema(self, obj: dict[str, Any]) -> None:
        """Raise ``schema_violation`` with the reason when ``obj`` breaks the schema."""
        for name, allowed in self._types.items():
            if name in obj and not _type_allows(allowed, actual := json_type(obj[name])):
                wanted = allowed if isinstance(allowed, str) else " or ".join(allowed)
                raise Rejected("schema_violation", f"{name}: expected {wanted}, got {actual}", STAGE)
        error = best_match(self._schema.iter_errors(obj))
        if error is not None:
            raise Rejected("schema_violation", _describe(error), STAGE)
