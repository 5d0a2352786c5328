#!/usr/bin/env python3
"""Accuracy of the worker's place confidence, band by band, on a labelled evaluation set.

A predicted place mention is *right* when it matches a gold place (lenient overlap, one to one,
as the scorer matches) and, where the gold place has coordinates, the predicted place lies within
161 km of it or has its GeoNames id. A mention that matches no gold place is wrong, unless it
overlaps a gold mention marked ``place: false`` (a road, a building, a name inside an
organisation's), which the scorer ignores and so does this table. Each mention counts once, with
the confidence of the location it belongs to.

Usage (after ``make eval``, which writes out/dev_pred.jsonl)::

    .venv/bin/python tools/calibrate_confidence.py ../shared/eval/dev out/dev_pred.jsonl

It imports the scorer (``score.py``) from the folder above the gold one, so that matching and
distances are the scorer's own; it exits with status 2 when that folder is absent.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

#: Upper bounds of the bands (the last one is closed).
BANDS = (0.7, 0.8, 0.9, 0.95, 1.0)


def _scorer(gold: Path) -> ModuleType:
    path = gold.resolve().parent / "score.py"
    if not path.is_file():
        print(f"no scorer at {path}: point the first argument at the evaluation set's dev folder", file=sys.stderr)
        raise SystemExit(2)
    spec = importlib.util.spec_from_file_location("khabar_eval_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _confidences(pred: Path) -> dict[str, dict[tuple[int, int], float]]:
    """Article id -> body mention span -> confidence of its location."""
    out: dict[str, dict[tuple[int, int], float]] = {}
    with pred.open(encoding="utf-8") as fh:
        for line in fh:
            event = json.loads(line)
            spans = out.setdefault(str(event["id"]), {})
            for loc in event.get("locations", []):
                for m in loc.get("mentions", []):
                    if m.get("field", "body") == "body":
                        spans.setdefault((int(m["start"]), int(m["end"])), float(loc.get("confidence", 1.0)))
    return out


def judge(score: ModuleType, gold: Path, pred: Path) -> list[tuple[float, bool]]:
    """(confidence, right) of every predicted body mention the scorer does not ignore."""
    corpora = score.load_gold(str(gold))
    predicted = score.load_pred(str(pred))
    confidence = _confidences(pred)
    judged: list[tuple[float, bool]] = []
    for corpus in corpora:
        for doc in corpus.docs:
            p = predicted.docs.get(doc.id)
            if p is None:
                continue
            gold_spans = [(int(x["start"]), int(x["end"])) for x in doc.places]
            match = _match(score, gold_spans, sorted(p.loc_mentions))
            for span in sorted(p.loc_mentions):
                conf = confidence.get(doc.id, {}).get(span, 1.0)
                i = match.get(span)
                if i is None:
                    if not any(score.overlap(span, ig) for ig in doc.ignored):
                        judged.append((conf, False))
                    continue
                judged.append((conf, _geocoded(score, doc.places[i], p.loc_mentions[span])))
    return judged


def _match(score: ModuleType, gold: list[tuple[int, int]], preds: list[tuple[int, int]]) -> dict[Any, int]:
    """Predicted span -> gold index: exact first, then largest overlap (the scorer's matching)."""
    index = {sp: i for i, sp in enumerate(gold)}
    match = {sp: index[sp] for sp in preds if sp in index}
    taken = set(match.values())
    for sp in preds:
        if sp in match:
            continue
        cands = [(score.overlap(sp, g), -i) for i, g in enumerate(gold) if i not in taken and score.overlap(sp, g)]
        if cands:
            i = -max(cands)[1]
            match[sp] = i
            taken.add(i)
    return match


def _geocoded(score: ModuleType, gold: dict[str, Any], rec: dict[str, Any]) -> bool:
    glat, glon = gold.get("lat"), gold.get("lon")
    if not isinstance(glat, (int, float)) or not isinstance(glon, (int, float)):
        return True  # recognised, and nothing to check the point against
    if gold.get("geonameid") and rec.get("geonameid") == str(gold["geonameid"]):
        return True
    if rec.get("lat") is None or rec.get("lon") is None:
        return False
    return bool(score.haversine_km(glat, glon, rec["lat"], rec["lon"]) <= score.GEO_KM)


def table(judged: Sequence[tuple[float, bool]]) -> str:
    rows = ["| confidence | mentions | right | accuracy |", "|---|---:|---:|---:|"]
    low = 0.0
    for high in BANDS:
        last = high == BANDS[-1]
        band = [ok for c, ok in judged if low <= c < high or (last and c == high)]
        acc = f"{sum(band) / len(band):.3f}" if band else "–"
        rows.append(f"| {low:.2f}–{high:.2f}{']' if last else ')'} | {len(band)} | {sum(band)} | {acc} |")
        low = high
    total = sum(ok for _, ok in judged)
    rows.append(f"| all | {len(judged)} | {total} | {total / max(len(judged), 1):.3f} |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", type=Path, help="the evaluation set's dev folder (../shared/eval/dev)")
    parser.add_argument("pred", type=Path, help="enriched events of its articles (out/dev_pred.jsonl)")
    args = parser.parse_args(argv)
    if not args.gold.exists():
        print(f"no evaluation data at {args.gold}", file=sys.stderr)
        return 2
    print(table(judge(_scorer(args.gold), args.gold, args.pred)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
