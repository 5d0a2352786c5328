"""The JSON Schemas that are khabar's contract with producers and downstream consumers.

The files live in the repository's top-level ``schemas/``; a built wheel carries
them as ``workers/_schemas``. Validators are compiled once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft202012Validator, FormatChecker

RAW_ARTICLE = "raw_article.v1.json"
ENRICHED_EVENT = "enriched_event.v1.json"
SCHEMA_VERSION = "1"


def schemas_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_schemas", here.parent / "schemas"):
        if (candidate / RAW_ARTICLE).is_file():
            return candidate
    raise FileNotFoundError(
        f"khabar's JSON Schemas are missing (looked in {here / '_schemas'} and ../schemas)"
    )


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = orjson.loads((schemas_dir() / name).read_bytes())
    return schema


@functools.cache
def validator(name: str) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())
