"""A result folder: manifest, tidy CSV tables, the full ensemble as arrays, figures."""

from __future__ import annotations

import csv
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from . import __version__, plot
from .alignment import mutual
from .ensemble import Ensemble

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ("q05", "q25", "q50", "q75", "q95")


def versions() -> dict:
    out = {"alignsim": __version__, "python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("numpy", "scipy", "mesa", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    return str(o)


def quantile_rows(e: Ensemble):
    """Tidy rows: one per step, pair and measure (mutual for i<j, directed for i!=j)."""
    scen = e.scenario
    ids = scen.actor_ids
    a = e.alignment
    m = mutual(a)
    qm = np.quantile(m, QUANTILES, axis=0)            # (5, T+1, N, N)
    qd = np.quantile(a, QUANTILES, axis=0)
    mean_m, mean_d = m.mean(axis=0), a.mean(axis=0)
    n = len(ids)
    for t in range(e.steps + 1):
        date = scen.date(t)
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                if i < j:
                    yield [t, date, ids[i], ids[j], "mutual", *_fmt(mean_m[t, i, j], qm[:, t, i, j])]
                yield [t, date, ids[i], ids[j], "directed", *_fmt(mean_d[t, i, j], qd[:, t, i, j])]


def _fmt(mean, qs):
    return [f"{mean:.5f}", *(f"{q:.5f}" for q in qs)]


def final_rows(e: Ensemble):
    """Per pair at the horizon: median and the share of runs in each band."""
    ids = e.scenario.actor_ids
    m = mutual(e.alignment[:, -1].astype(np.float64))
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            v = m[:, i, j]
            yield [ids[i], ids[j], f"{np.median(v):.4f}", f"{(v > 0.5).mean():.4f}",
                   f"{((v >= -0.5) & (v <= 0.5)).mean():.4f}", f"{(v < -0.5).mean():.4f}"]


def write_csv(path: Path, header, rows) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def write(e: Ensemble, out: Path, command: list[str], overrides=(), figures=True) -> dict:
    """Write every output; the manifest goes last and marks the folder complete."""
    out.mkdir(parents=True, exist_ok=True)
    scen = e.scenario
    ids = list(scen.actor_ids)
    dates = [scen.date(t) for t in range(e.steps + 1)]
    np.savez(out / "ensemble.npz", actors=np.array(ids), names=np.array([scen.display[a] for a in ids]),
             dates=np.array(dates), seed=np.int64(e.seed), **e.arrays)
    write_csv(out / "quantiles.csv", ["step", "date", "from", "to", "measure", "mean", *QCOLS],
              quantile_rows(e))
    write_csv(out / "final.csv", ["from", "to", "median", "p_above_0.5", "p_between", "p_below_-0.5"],
              final_rows(e))
    labels = {s.name: s.label for s in scen.shocks}
    write_csv(out / "events.csv", ["run", "step", "date", "shock", "type", "label", "intensity"],
              ([r, t, scen.date(t), name, kind, labels[name], f"{x:.4f}"] for r, t, name, kind, x in e.events))
    files = ["ensemble.npz", "quantiles.csv", "final.csv", "events.csv"]
    manifest = {
        "complete": False,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "scenario": {"file": str(scen.path), "name": scen.name, "title": scen.title,
                     "overrides": list(overrides), "resolved": scen.resolved},
        "seed": e.seed, "runs": e.runs, "steps": e.steps, "start": dates[0], "end": dates[-1],
        "actors": ids, "names": [scen.display[a] for a in ids],
        "key_pairs": [list(p) for p in scen.key_pairs],
        "shocks": [{"name": s.name, "type": s.type_name, "label": s.label,
                    "at": scen.date(s.at) if s.at is not None else None} for s in scen.shocks],
        "versions": versions(), "timings": e.timings, "files": files,
    }
    _write_manifest(out, manifest)
    if figures:
        manifest["files"] += [str(p.relative_to(out)) for p in draw_figures(out)]
    manifest["complete"] = True
    _write_manifest(out, manifest)
    return manifest


def _write_manifest(out: Path, manifest: dict) -> None:
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, default=_json_default))
    tmp.replace(out / "manifest.json")


def load_quantiles(out: Path) -> dict:
    """(from, to, measure) -> {"q05": array over steps, ...} from quantiles.csv."""
    table: dict = {}
    with (out / "quantiles.csv").open() as fh:
        for row in csv.DictReader(fh):
            d = table.setdefault((row["from"], row["to"], row["measure"]), {c: [] for c in QCOLS})
            for c in QCOLS:
                d[c].append(float(row[c]))
    return {k: {c: np.array(v) for c, v in d.items()} for k, d in table.items()}


def draw_figures(out: Path) -> list[Path]:
    """All figures of a run folder, from its saved files only (so `alignsim plot` can redraw)."""
    man = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else None
    with np.load(out / "ensemble.npz") as z:
        ids, names, dates = list(z["actors"]), list(z["names"]), list(z["dates"])
        final = np.median(mutual(z["alignment"][:, -1].astype(np.float64)), axis=0)
        runs = z["alignment"].shape[0]
    q = load_quantiles(out)
    meta = man or {}
    pairs = [tuple(p) for p in meta.get("key_pairs", [])] or [(ids[0], ids[1])]
    display = dict(zip(ids, names))
    pairs = [(a, b) if ids.index(a) < ids.index(b) else (b, a) for a, b in pairs]
    title = meta.get("scenario", {}).get("title", "")
    sub = f"{runs} runs, seed {meta.get('seed', '?')}; median, 50% and 90% bands of mutual alignment"
    events = [(int(ids_step), lab) for ids_step, lab in _scheduled(meta, dates)]
    figs = plot.fan_chart(dates, {p: q[(p[0], p[1], "mutual")] for p in pairs}, pairs, ids, display,
                          f"How do the key alignments evolve? — {title}", sub, events)
    paths = plot.save(figs, out / "figures", "fan_chart")
    hm = plot.heatmap(final, names, f"Who is aligned with whom by {dates[-1]}?",
                      f"{title}; median of {runs} runs")
    paths += plot.save(hm, out / "figures", "final_heatmap")
    return paths


def _scheduled(meta: dict, dates: list[str]):
    for s in meta.get("shocks", []):
        if s.get("at") in dates and s["at"] != dates[0]:
            yield dates.index(s["at"]), s["label"]
