"""The figure of `alignsim compare`: B minus A for each key pair, month by month, drawn from
compare_over_time.csv and manifest.json alone (`alignsim plot DIR` redraws it).

Paired folders show the fan of per-run differences (median, 50% and 90% of runs) and the mean
difference with its 95% interval; unpaired ones have no per-run difference, so they show the
mean difference with its 95% interval only (none when a folder kept no per-run arrays).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from sim.figures import style as plot
from sim.figures.saved import num, read_rows


def difference_figure(man: dict, over: list[dict]):
    """Small multiples, one panel per key pair: B minus A over time."""
    names = dict(zip(man["actors"], man["names"]))
    pairs = [tuple(p) for p in man["key_pairs"]] or list(dict.fromkeys((r["from"], r["to"]) for r in over))[:6]
    rows = {}
    for r in over:
        rows.setdefault((r["from"], r["to"]), []).append(r)
    dates = [r["date"] for r in rows[_ordered(pairs[0], rows)]]
    x = plot.month_axis(dates)
    a, b = man["a"], man["b"]
    cols = min(len(pairs), 3)
    n_rows = int(np.ceil(len(pairs) / cols))
    with plt.rc_context(plot.STYLE):
        fig, axes = plt.subplots(n_rows, cols, figsize=(3.7 * cols, 2.6 * n_rows + 0.9), sharex=True, sharey=True,
                                 squeeze=False)
        for ax, pair in zip(axes.flat, pairs):
            got = {k: np.array([num(r[k]) for r in rows[_ordered(pair, rows)]])
                   for k in ("mean", "low", "high", "q05", "q25", "q50", "q75", "q95")}
            _panel(ax, x, got, plot.pair_colour(man["actors"], *pair), man["paired"])
            ax.set_title(f"{names[pair[0]]}{plot.DASH}{names[pair[1]]}")
            _mark_events(ax, x, dates, a, b)
        for ax in axes.flat[len(pairs):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel("difference in\nmutual alignment")
        axes.flat[0].legend(loc="lower left", fontsize=7.2)
        lim = max(0.05, float(np.nanmax([abs(v) for ax in axes.flat[:len(pairs)] for v in ax.get_ylim()])))
        for ax in axes.flat:
            ax.set_ylim(-lim, lim)
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        title = f"How much does “{_short(b)}” shift each key alignment against “{_short(a)}”?"
        how = ("Paired runs: the fan is the per-run difference (median, 50% and 90% of runs)"
               if man["paired"] else "Unpaired runs: no per-run difference exists, so only the mean is shown")
        sub = (f"Mutual alignment under {b['name']} minus under {a['name']}, month by month (above 0: closer under "
               f"{b['name']}). {how}; black: mean difference and its 95% interval. {man['pairing'][0].upper()}"
               f"{man['pairing'][1:]}. Dotted lines: scheduled events in only one of the two.")
        plot.finish(fig, title, sub)
        return fig


def _ordered(pair, rows) -> tuple:
    return pair if pair in rows else (pair[1], pair[0])


def _panel(ax, x, d: dict, colour: str, paired: bool) -> None:
    if paired:
        ax.fill_between(x, d["q05"], d["q95"], color=colour, alpha=0.18, lw=0, label="90% of runs")
        ax.fill_between(x, d["q25"], d["q75"], color=colour, alpha=0.4, lw=0, label="50% of runs")
        ax.plot(x, d["q50"], color=colour, lw=1.4, label="median run")
    if np.isfinite(d["low"]).any():
        ax.fill_between(x, d["low"], d["high"], color="#111111", alpha=0.25, lw=0, label="95% CI of the mean")
    ax.plot(x, d["mean"], color="#111111", lw=1.2, ls="--" if paired else "-", label="mean difference")
    ax.axhline(0, color="#444444", lw=0.6)


def _mark_events(ax, x, dates: list[str], a: dict, b: dict) -> None:
    """Dotted lines at scheduled events one folder has and the other has not (or has elsewhere)."""
    sa = {(s["name"], s["at"]) for s in a["shocks"]}
    sb = {(s["name"], s["at"]) for s in b["shocks"]}
    for _, at in sorted(sa ^ sb, key=lambda s: str(s[1])):
        if at in dates:
            ax.axvline(x[dates.index(at)], color="#555555", lw=0.6, ls=":")


def _short(side: dict) -> str:
    return side["title"].split(":")[0].strip() or side["name"]


def draw_comparison(folder, formats=("png",)) -> list[Path]:
    """Draw a comparison folder's figure in `formats`; the files written."""
    folder = Path(folder)
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    over = read_rows(folder / "compare_over_time.csv")
    return plot.save(difference_figure(man, over), folder / "figures", "compare_difference", formats)
