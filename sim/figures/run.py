"""The figures of a run's result folder, drawn from its saved tables only (so `alignsim plot`
redraws them, also for summary-only folders)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.engine.tables import load_quantiles
from sim.figures import style as plot
from sim.figures.fan import Fan, fan_chart
from sim.figures.matrix import pair_matrix

STEMS = ("fan_chart", "final_heatmap", "balance_fan", "coalition_network")


def draw_figures(out: Path, formats=("png",), progress: Callable[[str], None] | None = None,
                 every: bool = False, only=STEMS) -> list[Path]:
    """All figures of a run folder.

    Parameters
    ----------
    out : Path
        A finished result folder of `alignsim run`.
    formats : sequence of str
        File formats, from sim.figures.style.FORMATS; PNG by default.
    progress : callable, optional
        Called with each figure's name before it is drawn.
    every : bool
        Also the coalition network when one structure holds in every run at every date (see
        sim.engine.tables.settled_structure).
    only : sequence of str
        The figures to draw, from STEMS; two processes can each draw a share of them. The
        network's node sizes come from ensemble.npz, the rest from the tables only.

    Returns
    -------
    list of Path
        The files written, in the order of STEMS.
    """
    tell = progress or (lambda name: None)
    meta = json.loads((out / "manifest.json").read_text())
    ids, names = meta["actors"], meta["names"]
    display = dict(zip(ids, names))
    q = load_quantiles(out)
    dates = _dates(out, meta)
    pairs = [tuple(p) for p in meta.get("key_pairs", [])] or [(ids[0], ids[1])]
    pairs = [(a, b) if ids.index(a) < ids.index(b) else (b, a) for a, b in pairs]
    title = meta.get("scenario", {}).get("title", "")
    runs = meta.get("runs")
    runs = f"{runs:,}" if isinstance(runs, int) else runs   # 300,000 runs, as a reader writes it
    paths = []
    if "fan_chart" in only:
        tell("fan chart")
        sub = (f"{title}; {runs} runs, seed {meta.get('seed', '?')}. Median and the 50% and 90% bands of the "
               "runs' mutual alignment (the mean of the two directed alignments).")
        fig = fan_chart(dates, {p: q[(p[0], p[1], "mutual")] for p in pairs}, pairs, ids, display,
                        "How do the key alignments evolve?", sub, Fan(events=scheduled(meta, dates)))
        paths += plot.save(fig, out / "figures", "fan_chart", formats)
    if "final_heatmap" in only:
        tell("final heatmap")
        paths += plot.save(_heatmap(out, q, ids, names, dates[-1], title, runs), out / "figures", "final_heatmap",
                           formats)
    analysis = (out / "coalitions.csv").exists() and (out / "balance.csv").exists()
    which = tuple(s for s in ("balance_fan", "coalition_network") if s in only)
    if analysis and which:
        from sim.figures.analysis import draw_analysis_figures
        tell({("balance_fan",): "polarization", ("coalition_network",): "coalition network"}.get(
            which, "polarization and coalitions"))
        paths += draw_analysis_figures(out, formats=formats, every=every, which=which)
    return paths


def _dates(out: Path, meta: dict) -> list[str]:
    """The month of every step, from quantiles.csv."""
    dates = [meta["start"]] * (meta["steps"] + 1)
    with (out / "quantiles.csv").open() as fh:
        for row in csv.DictReader(fh):
            dates[int(row["step"])] = row["date"]
    return dates


def _heatmap(out: Path, q: dict, ids, names, date: str, title: str, runs: str):
    """Who is aligned with whom at the horizon: medians, 90% ranges and shares beyond +-0.5."""
    n = len(ids)
    med, lo, hi = np.zeros((n, n)), np.zeros((n, n)), np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            d = q[(ids[i], ids[j], "mutual")]
            med[i, j] = med[j, i] = d["q50"][-1]
            lo[i, j] = lo[j, i] = d["q05"][-1]
            hi[i, j] = hi[j, i] = d["q95"][-1]
    above, below = np.zeros((n, n)), np.zeros((n, n))
    with (out / "final.csv").open() as fh:
        for row in csv.DictReader(fh):
            i, j = ids.index(row["from"]), ids.index(row["to"])
            above[i, j] = above[j, i] = float(row["p_above_0.5"])
            below[i, j] = below[j, i] = float(row["p_below_-0.5"])
    sub = (f"{title}; {runs} runs. Each pair once: the median over runs (colour and large number), the range "
           "of the middle 90% of runs, and the shares of runs aligned (above +0.5) and opposed (below \u22120.5).")
    return pair_matrix(names, med, f"Who is aligned with whom by {date}?", sub, band=(lo, hi), shares=(above, below))


def scheduled(meta: dict, dates: list[str]) -> list[tuple[int, str]]:
    """The scheduled shocks after the start, as (step, label), from a manifest."""
    out = []
    for s in meta.get("shocks", []):
        if s.get("at") in dates and s["at"] != dates[0]:
            out.append((dates.index(s["at"]), s["label"]))
    return out
