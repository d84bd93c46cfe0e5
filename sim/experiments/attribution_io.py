"""What an attribution writes: its two tables and the description its figures and report read.

    attribution.csv            factor,kind,contribution,lo,hi,share at the chosen date; a last
                               row `total` (the rows above it add up to it)
    attribution_over_time.csv  step,date,factor,kind,contribution,lo,hi,share at every step

In an experiment folder both tables lead with an `analysis` column, one block per attribution
analysis. The description (`describe`) goes into the manifest: what was compared, the outcome,
the method, the two levels and every factor's label, so figures and report read nothing else.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from sim.engine.manifest import versions
from sim.experiments.attribution import Result
from sim.experiments.writers import cell, write_manifest

HEADER = ["factor", "kind", "contribution", "lo", "hi", "share"]
OVER_TIME_HEADER = ["step", "date", *HEADER]
DIGITS = 12   # enough that the rows add up to the total to about 1e-12


def table_rows(result: Result, analysis: str | None = None) -> tuple[list[list], list[list]]:
    """The rows of attribution.csv and attribution_over_time.csv, each led by `analysis` when given."""
    lead = [analysis] if analysis else []
    scen = result.plan.variants[0]
    main = [lead + _cells(r) for r in result.rows]
    over = [lead + [t, scen.date(t)] + _cells(r) for t, rows in result.over_time for r in rows]
    return main, over


def _cells(r) -> list:
    return [r.factor, r.kind, cell(r.contribution, DIGITS), cell(r.lo, DIGITS), cell(r.hi, DIGITS),
            cell(r.share, 6)]


def describe(result: Result, scen, other) -> dict:
    """The attribution in JSON-ready form: what the figures and the report need."""
    q = result.question
    labels = {it.key: it.label for it in result.plan.items}
    labels.update({"interaction": "interactions and overlap of the channels", "total": "total difference"})
    factors = [{"key": it.key, "label": it.label, "kind": getattr(it, "kind", "channel"),
                "detail": getattr(it, "detail", "") or ", ".join(f"{k}={v:g}" for k, v in getattr(it, "off", {}).items())}
               for it in result.plan.items]
    return {"by": result.plan.by, "method": result.plan.method, "runs": result.runs, "seed": result.seed,
            "variants": len(result.plan.variants), "pair": list(q.pair), "measure": q.measure, "step": q.step,
            "date": scen.date(q.step), "start": scen.date(0), "end": scen.date(scen.steps),
            "scenario": _scenario(scen), "against": _scenario(other),
            "levels": {k: list(v) for k, v in result.levels.items()}, "higher": list(result.higher),
            "labels": labels, "factors": factors,
            "names": scen.display, "actors": list(scen.actor_ids), "seconds": round(result.seconds, 3)}


def _scenario(s) -> dict:
    return {"file": str(s.path), "name": s.name, "title": s.title, "description": " ".join(s.description.split()),
            "shocks": [{"name": x.name, "label": x.label, "type": x.type_name,
                        "at": s.date(x.at) if x.at is not None else None} for x in s.shocks]}


def write_folder(out: Path, result: Result, scen, other, command, timings: dict) -> dict:
    """Write a standalone attribution folder (`alignsim attribute`): both tables and the manifest.

    Returns
    -------
    dict
        The manifest, marked incomplete until the caller adds the figures and marks it complete.
    """
    out.mkdir(parents=True, exist_ok=True)
    main, over = table_rows(result)
    _write(out / "attribution.csv", HEADER, main)
    _write(out / "attribution_over_time.csv", OVER_TIME_HEADER, over)
    man = {"kind": "attribution", "complete": False, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "command": list(command), "seed": result.seed, "runs": result.runs,
           "attribution": describe(result, scen, other), "versions": versions(), "timings": timings,
           "files": ["attribution.csv", "attribution_over_time.csv"]}
    write_manifest(out, man)
    return man


def _write(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
