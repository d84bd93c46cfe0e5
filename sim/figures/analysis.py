"""Coalition and balance figures of a run: the polarization chart and the coalition network
(drawn by sim.figures.polarization and sim.figures.network).

draw_analysis_figures(out_dir) draws both from the saved files of a result folder only
(manifest.json, balance.csv, coalitions.csv, quantiles.csv and, if present, ensemble.npz for
node sizes), so `alignsim plot DIR` redraws them byte-identically without the ensemble in
memory. balance_fan(e, ...) and coalition_network(e, ...) draw the same figures from an
in-memory Ensemble (the dashboard's).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from sim.core.pairs import code_to_sides, mutual, structure_label
from sim.core.stats import wilson_interval
from sim.engine.tables import settled_structure
from sim.figures import style as plot
from sim.figures.network import network_chart
from sim.figures.polarization import balance_chart


class Share(NamedTuple):
    """A share of runs with its 95% interval (as sim.analysis.coalitions.Proportion)."""
    p: float
    low: float
    high: float


# ------------------------------------------------------------- from an in-memory ensemble


def coalition_network(e, step):
    """The coalition network of an in-memory Ensemble at `step` (int or 'YYYY-MM'): median
    mutual alignment as ties, nodes coloured by the modal coalition structure of the runs.

    Returns
    -------
    matplotlib Figure
    """
    from sim.analysis import coalitions as co   # numba: only the dashboard's in-memory route needs it
    t = co.step_of(e, step)
    ids = list(e.scenario.actor_ids)
    names = e.scenario.display
    coalitions = co.coalition_structure(e, [t])
    ranked = co.frequent_structures(e, t, top=3, coalitions=coalitions, names=names)
    sides = code_to_sides(ranked[0][1], len(ids))
    med = np.median(mutual(e.alignment[:, t].astype(np.float64)), axis=0)
    size = np.median(co.sizes(e, [t])[:, 0], axis=0)
    return network_chart(e.scenario.date(t), ids, names, sides, med, size,
                         [(label, pr) for label, _, pr in ranked], e.scenario.title, f"{e.runs:,}", e.seed)


# ------------------------------------------------------------------ from a result folder


def _read_rows(path: Path):
    with path.open(newline="") as fh:
        yield from csv.DictReader(fh)


def _folder_events(man: dict, dates: list[str]) -> list[tuple[int, str]]:
    """Scheduled shocks inside (start, horizon], as (step, label)."""
    out = []
    for s in man.get("shocks", []):
        at = s.get("at")
        if at in dates and at != dates[0]:
            out.append((dates.index(at), s["label"]))
    return out


def _load_balance(path: Path):
    """(dates over steps, metric -> {'mean', 'q05', ..., 'q95'} arrays) from balance.csv."""
    by_step: dict[int, str] = {}
    table: dict[str, dict[int, dict[str, float]]] = {}
    cols = ("mean", "q05", "q25", "q50", "q75", "q95")
    for row in _read_rows(path):
        t = int(row["step"])
        by_step[t] = row["date"]
        table.setdefault(row["metric"], {})[t] = {c: float(row[c]) for c in cols}
    steps = sorted(by_step)
    if steps != list(range(len(steps))):
        raise ValueError(f"{path}: expected one row per step 0..T for every metric")
    quant = {}
    for metric, per in table.items():
        if sorted(per) != steps:
            raise ValueError(f"{path}: metric {metric!r} lacks some steps")
        quant[metric] = {c: np.array([per[t][c] for t in steps]) for c in cols}
    return [by_step[t] for t in steps], quant


def _median_mutual(path: Path, step: int, ids: list[str]) -> np.ndarray:
    """(n, n) symmetric median mutual alignment at `step` from quantiles.csv (q50 of 'mutual')."""
    idx = {a: k for k, a in enumerate(ids)}
    n = len(ids)
    med = np.full((n, n), np.nan)
    np.fill_diagonal(med, 0.0)
    key = str(step)
    for row in _read_rows(path):
        if row["step"] != key or row["measure"] != "mutual":
            continue
        i, j = idx[row["from"]], idx[row["to"]]
        med[i, j] = med[j, i] = float(row["q50"])
    if np.isnan(med).any():
        raise ValueError(f"{path}: missing mutual rows at step {step}")
    return med


def _median_military_share(path: Path, step: int, ids: list[str]) -> np.ndarray | None:
    """Median over runs of military capability shares at `step` from ensemble.npz, or None when
    the file or its 'military' array is absent (summary-only folders)."""
    if not path.exists():
        return None
    with np.load(path) as z:
        if "military" not in z.files:
            return None
        m = z["military"][:, step].astype(np.float64)  # (R, N)
        if "actors" in z.files:
            saved = [str(a) for a in z["actors"]]
            if saved != ids:
                m = m[:, [saved.index(a) for a in ids]]
    if m.ndim != 2 or m.shape[1] != len(ids) or not np.all(m > 0):
        return None
    return np.median(m / m.sum(axis=-1, keepdims=True), axis=0)


def _read_structures(path: Path):
    """step -> (date, [(rank, code, count, runs)]) from the structure rows of coalitions.csv."""
    out: dict[int, tuple[str, list]] = {}
    for row in _read_rows(path):
        if row["kind"] != "structure":
            continue
        t = int(row["step"])
        out.setdefault(t, (row["date"], []))[1].append(
            (int(row["rank"]), int(row["code"]), int(row["count"]), int(row["runs"])))
    for _, rows in out.values():
        rows.sort()
    return out


def draw_analysis_figures(out_dir: Path, date: str | None = None, formats=("png",),
                          every: bool = False, which=("balance_fan", "coalition_network")) -> list[Path]:
    """Redraw figures/balance_fan and figures/coalition_network from the saved files of a
    result folder only.

    Parameters
    ----------
    out_dir : Path
        Reads manifest.json, balance.csv, coalitions.csv and quantiles.csv; node sizes come from
        the 'military' array of ensemble.npz when present, else the nodes are drawn equal-sized.
    date : str, optional
        The network's date ('YYYY-MM', one of the steps reported in coalitions.csv: step 0, every
        12 months and the horizon); default the last reported step.
    formats : sequence of str
        File formats (sim.figures.style.FORMATS).
    every : bool
        Draw the network also when one structure holds in every run at every date
        (sim.engine.tables.settled_structure); otherwise that line replaces it.
    which : sequence of str
        The figures to draw, of "balance_fan" and "coalition_network": `alignsim run` draws the
        balance chart while ensemble.npz is still being written, and the network (whose node
        sizes come from it) once it is.

    Returns
    -------
    list of Path
        The written files, balance chart first. The same inputs give byte-identical files.
    """
    out = Path(out_dir)
    man = json.loads((out / "manifest.json").read_text())
    ids = [str(a) for a in man["actors"]]
    names = dict(zip(ids, man.get("names") or ids))
    title = man.get("scenario", {}).get("title", "")
    runs, seed = man.get("runs", "?"), man.get("seed", "?")
    runs = f"{runs:,}" if isinstance(runs, int) else runs   # 300,000 runs, as a reader writes it
    folder = out / "figures"
    paths = []
    if "balance_fan" in which:
        dates, quant = _load_balance(out / "balance.csv")
        fig = balance_chart(dates, quant, len(ids), _folder_events(man, dates), title, runs, seed)
        paths = plot.save(fig, folder, "balance_fan", formats)
    if "coalition_network" not in which or date is None and not every and settled_structure(out) is not None:
        return paths
    structures = _read_structures(out / "coalitions.csv")
    if not structures:
        raise ValueError(f"{out / 'coalitions.csv'} has no structure rows")
    reported = {d: t for t, (d, _) in structures.items()}
    if date is None:
        t = max(structures)
    elif date in reported:
        t = reported[date]
    else:
        raise ValueError(f"{date!r} is not a reported coalition date; choose one of "
                         f"{', '.join(sorted(reported))}")
    at, rows = structures[t]
    ranked = [(structure_label(ids, code, names), Share(k / n, *wilson_interval(k, n)))
              for _, code, k, n in rows[:3]]
    sides = code_to_sides(rows[0][1], len(ids))
    med = _median_mutual(out / "quantiles.csv", t, ids)
    size = _median_military_share(out / "ensemble.npz", t, ids)
    fig = network_chart(at, ids, names, sides, med, size, ranked, title, runs, seed)
    return paths + plot.save(fig, folder, "coalition_network", formats)
