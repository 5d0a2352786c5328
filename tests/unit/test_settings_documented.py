"""Every setting the worker reads is listed in deploy/worker.env.example, and nothing else is."""

from __future__ import annotations

import re
from pathlib import Path

from workers.settings import WorkerSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "worker.env.example"


def test_env_example_lists_exactly_the_settings() -> None:
    listed = set(re.findall(r"^#?\s*(KHABAR_[A-Z0-9_]+)=", EXAMPLE.read_text(), flags=re.MULTILINE))
    fields = {f"KHABAR_{name.upper()}" for name in WorkerSettings.model_fields}
    assert listed == fields, {"undocumented": sorted(fields - listed), "unknown": sorted(listed - fields)}
