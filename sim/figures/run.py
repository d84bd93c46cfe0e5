"""The figures of a run's result folder, drawn from its saved tables only (so `alignsim plot`
redraws them, also for summary-only folders)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from sim.engine.tables import load_quantiles
from sim.figures import style as plot


def draw_figures(out: Path) -> list[Path]:
    """All figures of a run folder, from its saved tables only (so `alignsim plot` can redraw
    them, also for summary-only folders)."""
    meta = json.loads((out / "manifest.json").read_text())
    ids, names = meta["actors"], meta["names"]
    q = load_quantiles(out)
    steps = meta["steps"]
    dates = [meta["start"]] * (steps + 1)
    with (out / "quantiles.csv").open() as fh:
        for row in csv.DictReader(fh):
            dates[int(row["step"])] = row["date"]
    pairs = [tuple(p) for p in meta.get("key_pairs", [])] or [(ids[0], ids[1])]
    display = dict(zip(ids, names))
    pairs = [(a, b) if ids.index(a) < ids.index(b) else (b, a) for a, b in pairs]
    title = meta.get("scenario", {}).get("title", "")
    runs = meta.get("runs")
    runs = f"{runs:,}" if isinstance(runs, int) else runs   # 300,000 runs, as a reader writes it
    sub = f"{runs} runs, seed {meta.get('seed', '?')}; median, 50% and 90% bands of mutual alignment"
    events = list(_scheduled(meta, dates))
    fig = plot.fan_chart(dates, {p: q[(p[0], p[1], "mutual")] for p in pairs}, pairs, ids, display,
                         f"How do the key alignments evolve? — {title}", sub, events)
    paths = plot.save(fig, out / "figures", "fan_chart")
    n = len(ids)
    final = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            final[i, j] = final[j, i] = q[(ids[i], ids[j], "mutual")]["q50"][-1]
    hm = plot.heatmap(final, names, f"Who is aligned with whom by {dates[-1]}?",
                      f"{title}; median of {runs} runs")
    paths += plot.save(hm, out / "figures", "final_heatmap")
    if (out / "coalitions.csv").exists() and (out / "balance.csv").exists():
        from sim.figures.analysis import draw_analysis_figures
        paths += draw_analysis_figures(out)
    return paths


def _scheduled(meta: dict, dates: list[str]):
    for s in meta.get("shocks", []):
        if s.get("at") in dates and s["at"] != dates[0]:
            yield dates.index(s["at"]), s["label"]
