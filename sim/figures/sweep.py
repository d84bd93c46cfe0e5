"""Figures of a sweep: a heatmap per outcome for a grid over two parameters, else the response
of each outcome to each parameter.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from sim.core.stats import wilson_interval
from sim.figures import style as plot
from sim.core.numbers import percent
from sim.figures.style import finish
from sim.figures.style import wrap_label as wrap
from sim.figures.saved import Saved, num


def _sweep_rows(S: Saved, an: dict, outcome: str):
    """Per point of the sweep: parameter values (P, d), estimate, interval, event count, runs."""
    rows = [r for r in S.sweep if r["analysis"] == an["name"] and r["outcome"] == outcome]
    keys = [p["key"] for p in an["parameters"]]
    x = np.array([[num(r[k]) for k in keys] for r in rows])
    est = np.array([num(r["estimate"]) for r in rows])
    lo = np.array([num(r["ci_low"]) for r in rows])
    hi = np.array([num(r["ci_high"]) for r in rows])
    cnt = np.array([num(r["count"]) for r in rows])
    n = np.array([num(r["runs"]) for r in rows])
    return x, est, lo, hi, cnt, n


def _sweep_sub(S: Saved, an: dict) -> str:
    """The subtitle of a sweep's figures: what was run."""
    pts = an["n_points"]
    how = (f"grid of {an['points']} values per parameter" if an["method"] == "grid"
           else f"Latin hypercube of {pts} points")
    return (f"Scenario “{S.title_of(an['scenario'])}”; {how}, {an['runs']:,} runs per point "
            f"({an['total_runs']:,} runs), seed {S.man['seed']}; other inputs as in the scenario file.")


def heatmap_figure(S: Saved, an: dict, outcome: str):
    """A two-parameter grid sweep as a heatmap: the outcome's share (or mean) in each cell,
    with its 95% interval, so noise between neighbouring cells is visible as such."""
    p1, p2 = an["parameters"]
    x, est, lo, hi, cnt, n = _sweep_rows(S, an, outcome)
    v1 = np.unique(x[:, 0])
    v2 = np.unique(x[:, 1])
    cells = {}
    for (a, b), e, l_, h_ in zip(x, est, lo, hi):
        cells[np.searchsorted(v2, b), np.searchsorted(v1, a)] = (e, l_, h_)
    grid = np.full((len(v2), len(v1)), np.nan)
    for (i, j), (e, _, _) in cells.items():
        grid[i, j] = e
    prob = S.outcomes[outcome]["binary"]
    with plt.rc_context({**plot.STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(1.0 + 0.78 * len(v1) + 2.2, 1.6 + 0.56 * len(v2) + 1.3))
        vmin, vmax = (0.0, 1.0) if prob else (float(np.nanmin(grid)), float(np.nanmax(grid)))
        im = ax.imshow(grid, origin="lower", cmap="cividis", vmin=vmin, vmax=vmax, aspect="auto")
        for (i, j), (e, l_, h_) in cells.items():
            frac = (e - vmin) / (vmax - vmin) if vmax > vmin else 0.5
            ink = "black" if frac > 0.55 else "white"
            ax.text(j, i + 0.12, percent(e) if prob else f"{e:.2f}", ha="center", va="center", fontsize=7.8, color=ink)
            ax.text(j, i - 0.22, _interval(l_, h_, prob), ha="center", va="center", fontsize=5.8, color=ink)
        ax.set_xticks(range(len(v1)), [tick(v) for v in v1])
        ax.set_yticks(range(len(v2)), [tick(v) for v in v2])
        ax.set_xlabel(p1["label"])
        ax.set_ylabel(p2["label"])
        cb = fig.colorbar(im, ax=ax, shrink=0.85)
        cb.set_label("share of runs" if prob else "mean (" + S.outcomes[outcome]["unit"] + ")")
        if prob:
            cb.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        q = f"the chance that {S.desc(outcome)}" if prob else S.desc(outcome)
        title = an.get("title") or f"How does {q} depend on {p1['label']} and {p2['label']}?"
        what = (f"Cell: share of runs with {S.desc(outcome)}, and below it the 95% interval (Wilson); neighbouring "
                "cells whose intervals overlap are not told apart by these runs." if prob
                else f"Cell: mean {S.desc(outcome)}, and below it the 95% interval.")
        finish(fig, title, what + " " + _sweep_sub(S, an))
        return fig


def tick(v: float) -> str:
    """A grid value as a tick label: two decimals at most, trailing zeros dropped (0.2333 -> 0.23)."""
    return f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:.0f}"


def _interval(lo: float, hi: float, prob: bool) -> str:
    """A cell's 95% interval, in points for shares."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    if prob:
        return f"{percent(lo).rstrip('%')}–{percent(hi)}"
    return f"{lo:.2f} to {hi:.2f}"


def _bins(x, cnt, n, est, k=8):
    """Binned response for scattered points: pooled share (or mean) per parameter bin."""
    edges = np.quantile(x, np.linspace(0, 1, k + 1))
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, k - 1)
    mid, e, lo, hi = [], [], [], []
    for b in range(k):
        m = idx == b
        if not m.any():
            continue
        mid.append(x[m].mean())
        if np.all(np.isfinite(cnt[m])):
            kk, nn = cnt[m].sum(), n[m].sum()
            e.append(kk / nn)
            lo_, hi_ = wilson_interval(int(kk), int(nn))
        else:
            v = est[m]
            e.append(v.mean())
            half = 1.96 * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
            lo_, hi_ = v.mean() - half, v.mean() + half
        lo.append(lo_)
        hi.append(hi_)
    return np.array(mid), np.array(e), np.array(lo), np.array(hi)


def response_figure(S: Saved, an: dict):
    """Each outcome against each swept parameter, with 95% intervals: the points themselves for
    a one-parameter grid, else points pooled into bins of the parameter."""
    outs = an["outcomes"]
    params = an["parameters"]
    grid = an["method"] == "grid" and len(params) == 1
    with plt.rc_context(plot.STYLE):
        fig, axes = plt.subplots(len(outs), len(params), figsize=(3.4 * len(params) + 1.2, 2.5 * len(outs) + 1.4),
                                 squeeze=False, sharey="row")
        for i, o in enumerate(outs):
            x, est, lo, hi, cnt, n = _sweep_rows(S, an, o)
            c = S.colour(o)
            prob = S.outcomes[o]["binary"]
            for j, p in enumerate(params):
                ax = axes[i, j]
                if grid:
                    order = np.argsort(x[:, j])
                    xm, e, l_, h_ = x[order, j], est[order], lo[order], hi[order]
                else:
                    xm, e, l_, h_ = _bins(x[:, j], cnt, n, est)
                ax.fill_between(xm, l_, h_, color=c, alpha=0.25, lw=0)
                ax.plot(xm, e, color=c, lw=1.8, marker="o", ms=3.5)
                if prob:
                    ax.set_ylim(-0.02, 1.02)
                    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
                if i == len(outs) - 1:
                    ax.set_xlabel(wrap(p["label"], 40))
                if j == 0:
                    ax.set_ylabel(wrap(S.desc(o), 30), fontsize=8)
                else:
                    ax.tick_params(labelleft=False)
        title = an.get("title") or "How do the outcomes respond to each parameter?"
        how = "" if grid else (" Points grouped into eight bins of each parameter (the others vary): pooled share "
                               "or mean per bin, 95% interval.")
        finish(fig, title, _sweep_sub(S, an) + how)
        return fig
