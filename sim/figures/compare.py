"""Figures of a comparison: outcomes per scenario with paired differences (forest plots), the
key pairs over time under each scenario, and paired difference fan charts.
"""

from __future__ import annotations

from collections import defaultdict

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.core.numbers import decimals_for, percent
from sim.figures import style as plot
from sim.figures.fan import GAP, PANEL_H, PANEL_W, Fan, fan_chart
from sim.figures.saved import Saved, num
from sim.figures.style import GREY, LIGHT, MARKERS, finish
from sim.figures.style import wrap_label as wrap


QCOLS = ("q05", "q25", "q50", "q75", "q95")   # the quantile columns of compare_fan.csv


def forest_figure(S: Saved, an: dict, kind: str):
    """Outcome rows: level per scenario (left), paired difference against the baseline (right).

    `kind` "probability" puts every yes/no outcome on one pair of axes; "mean" gives each
    numeric outcome its own row of axes, since their scales differ.
    """
    rows = [r for r in S.compare if r["analysis"] == an["name"] and r["kind"] == kind]
    if not rows:
        return None
    outs = list(dict.fromkeys(r["outcome"] for r in rows))
    scens = an["scenarios"]
    base = an["baseline"]
    by = {(r["outcome"], r["scenario"]): r for r in rows}
    prob = kind == "probability"
    with plt.rc_context(plot.STYLE):
        fig, axes = _forest_axes(len(outs), len(scens), prob)
        step = 0.8 / max(len(scens), 1)
        for k, o in enumerate(outs):
            ax, axd = axes[k]
            y0 = -k if prob else 0.0
            c = S.colour(o)
            for m, s in enumerate(scens):
                r = by.get((o, s))
                if r is not None:
                    _forest_marks(ax, axd, r, y0 + 0.4 - step / 2 - m * step, c, m, s != base, prob)
            if not prob:
                _mean_axes(ax, axd, S.desc(o), S.outcomes[o]["unit"], base)
        if prob:
            _probability_axes(ax, axd, [S.desc(o) for o in outs], base)
        _forest_legend_and_titles(fig, S, an, prob)
        return fig


def _forest_axes(n_out: int, n_scen: int, prob: bool):
    """The figure and, per outcome, its (level, difference) axes."""
    height = 1.35 + 0.62 * n_out * max(1, n_scen / 2.2)
    if prob:
        fig, (ax, axd) = plt.subplots(1, 2, figsize=(10.4, height + 1.0), sharey=True,
                                      gridspec_kw={"width_ratios": [1.35, 1]})
        return fig, [(ax, axd)] * n_out
    fig, grid = plt.subplots(n_out, 2, figsize=(10.4, 1.2 + 1.15 * n_out * max(1, n_scen / 2.2) + 1.0),
                             squeeze=False, gridspec_kw={"width_ratios": [1.35, 1]})
    return fig, [tuple(g) for g in grid]


def _forest_marks(ax, axd, r: dict, y: float, c: str, m: int, filled: bool, prob: bool) -> None:
    """One scenario's estimate (left) and, unless it is the baseline (not `filled`), its paired
    difference (right), each with its interval and value."""
    est, lo, hi = num(r["estimate"]), num(r["ci_low"]), num(r["ci_high"])
    ax.errorbar(est, y, xerr=_err(est, lo, hi), fmt=MARKERS[m % len(MARKERS)], color=c,
                mfc=c if filled else "white", mec="#333333" if filled else c,
                mew=0.6 if filled else 1.8, ms=6.5, lw=1.4, capsize=2.5)
    ax.annotate(percent(est) if prob else f"{est:.{decimals_for(lo, hi)}f}", (hi, y), xytext=(5, 0),
                textcoords="offset points", va="center", fontsize=7.8, color="#333333")
    if filled:
        d, dlo, dhi = num(r["difference"]), num(r["diff_low"]), num(r["diff_high"])
        axd.errorbar(d, y, xerr=_err(d, dlo, dhi), fmt=MARKERS[m % len(MARKERS)], color=c,
                     mfc=c, mec="#333333", mew=0.6, ms=6.5, lw=1.4, capsize=2.5)
        text = (f"{d * 100:+.1f} pts" if prob else f"{d:+.{decimals_for(dlo, dhi)}f}")
        axd.annotate(text, (dhi, y), xytext=(5, 0), textcoords="offset points", va="center",
                     fontsize=7.8, color="#333333")


def _mean_axes(ax, axd, desc: str, unit: str, base: str) -> None:
    """Labels, limits and ticks of one numeric outcome's row."""
    ax.set_yticks([0.0], [wrap(desc, 34)])
    ax.set_xlabel("mean" + (" (months)" if unit == "months" else " (alignment)"), fontsize=8.5)
    axd.set_yticks([])
    axd.set_xlabel(f"paired difference vs {base}", fontsize=8.5)
    axd.axvline(0, color="#444444", lw=0.7)
    ax.set_ylim(-0.5, 0.5)
    axd.set_ylim(-0.5, 0.5)
    _pad_x(ax, 0.22)
    _pad_x(axd, 0.3, zero=True)
    for a in (ax, axd):
        a.xaxis.set_major_locator(plt.MaxNLocator(5))
    ax.grid(axis="y", visible=False)
    axd.grid(axis="y", visible=False)


def _probability_axes(ax, axd, descs: list[str], base: str) -> None:
    """Labels, limits, percentage ticks and row separators of the yes/no outcomes' axes."""
    n_out = len(descs)
    ax.set_yticks([-k for k in range(n_out)], [wrap(d, 34) for d in descs])
    ax.set_ylim(-n_out + 0.45, 0.55)
    ax.set_xlim(-0.02, 1.12)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel("share of runs (bars: 95% Wilson interval)")
    axd.axvline(0, color="#444444", lw=0.7)
    axd.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v * 100:+.0f}"))
    axd.set_xlabel(f"points vs {base} (bars: 95% Newcombe interval)")
    _pad_x(axd, 0.3, zero=True)
    lo, hi = axd.get_xlim()
    axd.set_xlim(max(lo, -1.08), min(hi, 1.18))
    for k in range(1, n_out):
        for a in (ax, axd):
            a.axhline(-k + 0.5, color="#DDDDDD", lw=0.8)
    ax.grid(axis="y", visible=False)
    axd.grid(axis="y", visible=False)
    axd.set_title("change against the baseline", fontsize=9, loc="left", color="#444444")
    ax.set_title("probability under each scenario", fontsize=9, loc="left", color="#444444")


def _forest_legend_and_titles(fig, S: Saved, an: dict, prob: bool) -> None:
    """The scenarios' markers as a legend below the axes, and the title and subtitle above."""
    scens, base = an["scenarios"], an["baseline"]
    handles = [Line2D([], [], marker=MARKERS[m % len(MARKERS)], ls="", color=GREY,
                      mfc="white" if s == base else GREY, ms=6.5,
                      label=f"{s}: {S.title_of(s)}" + (" (baseline)" if s == base else ""))
               for m, s in enumerate(scens)]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0), fontsize=7.8, ncol=1)
    title = an.get("title") or S.man["experiment"]["question"] or "How likely is each outcome under each scenario?"
    if not prob:
        title = "How large are the shifts? Numeric outcomes under each scenario"
    runs = an["runs"]
    sub = (f"{runs:,} runs per scenario, seed {S.man['seed']}; every scenario runs with the same seed, so run r "
           f"of each shares its random numbers and the differences are paired. Colour: the actor pair; "
           f"marker: the scenario.")
    finish(fig, title, sub, bottom=0.16 * (len(scens) + 0.5) / fig.get_figheight() + 0.02)


def _err(est, lo, hi):
    """Whisker lengths (never negative: saved values are rounded)."""
    return [[max(est - lo, 0.0)], [max(hi - est, 0.0)]]


def _pad_x(ax, frac: float, zero: bool = False) -> None:
    """Widen the x range: room on the right for the value labels; with `zero`, 0 included."""
    lo, hi = ax.get_xlim()
    if zero:
        lo, hi = min(lo, 0), max(hi, 0)
    ax.set_xlim(lo - 0.05 * (hi - lo), hi + frac * (hi - lo))


def _fan_table(S: Saved, an: str, kind: str, scenario: str):
    """(pairs, dates, {(a, b): {stat: array}}) for one scenario's rows in compare_fan.csv."""
    data: dict = defaultdict(lambda: defaultdict(list))
    dates: list[str] = []
    first = None
    for r in S.fan:
        if r["analysis"] != an or r["kind"] != kind or r["scenario"] != scenario:
            continue
        key = (r["from"], r["to"])
        first = key if first is None else first
        if key == first:
            dates.append(r["date"])
        for c in ("mean", *QCOLS):
            data[key][c].append(num(r[c]))
    return list(data), dates, {k: {c: np.array(v) for c, v in d.items()} for k, d in data.items()}


def _new_events(S: Saved, label: str, base: str, dates: list[str]):
    """Scheduled shocks of the scenario that the baseline does not have, as (step, label)."""
    mine = S.scen[label]["shocks"]
    theirs = {s["name"] for s in S.scen[base]["shocks"]}
    out = []
    for s in mine:
        if s["name"] not in theirs and s["at"] in dates and s["at"] != dates[0]:
            out.append((dates.index(s["at"]), s["label"]))
    return sorted(out)


def difference_figure(S: Saved, an: dict, label: str):
    """Fan chart of the paired difference, scenario `label` minus the baseline, for each key
    pair; dotted lines mark the scheduled events the baseline does not have."""
    pairs, dates, q = _fan_table(S, an["name"], "difference", label)
    if not pairs:
        return None
    base = an["baseline"]
    lim = max(0.1, max(float(np.nanmax(np.abs(np.r_[q[p]["q05"], q[p]["q95"]]))) for p in pairs))
    lim = float(np.ceil(lim * 1.1 * 20) / 20)
    events = _new_events(S, label, base, dates)
    random_new = [s["label"] for s in S.scen[label]["shocks"]
                  if s["at"] is None and s["name"] not in {x["name"] for x in S.scen[base]["shocks"]}]
    title = f"How much does “{S.short(label)}” shift each alignment?"
    sub = (f"Per run, mutual alignment under {label} minus under {base} (“{S.title_of(base)}”); {an['runs']:,} "
           f"paired runs, seed {S.man['seed']}: median, 50% and 90% of runs. Above 0: closer under {label}.")
    if random_new:
        sub += " Random shocks only in " + label + ": " + "; ".join(random_new) + "."
    return fan_chart(dates, q, pairs, S.actors, S.names, title, sub,
                     Fan(events=events, ylabel="difference in\nmutual alignment", ylim=(-lim, lim), thresholds=False))


def levels_figure(S: Saved, an: dict):
    """The key pairs' mutual alignment over time under each scenario: medians and 50% bands,
    the baseline in grey; the key takes the first free panel."""
    base = an["baseline"]
    scens = an["scenarios"]
    pairs, dates, _ = _fan_table(S, an["name"], "level", base)
    if not pairs:
        return None
    tables = {s: _fan_table(S, an["name"], "level", s)[2] for s in scens}
    styles = ["-", (0, (5, 2)), (0, (1, 1.5)), "-.", (0, (3, 1, 1, 1))]
    x = plot.month_axis(dates)
    n = len(pairs)
    cols = min(n, 3)
    rows = -(-n // cols)
    w = PANEL_W.get(cols, 3.4)
    free = rows * cols > n
    others = [s for s in scens if s != base]
    handles = [Line2D([], [], color=GREY, lw=1.6, label=f"{base}: {S.title_of(base)} (baseline)")]
    handles += [Line2D([], [], color="#333333", lw=1.8, ls=styles[(k + 1) % len(styles)],
                       label=f"{s}: {S.title_of(s)} (in each pair's colour)") for k, s in enumerate(others)]
    handles += [Patch(color=GREY, alpha=0.4, label="middle 50% of runs"),
                Line2D([], [], color=GREY, lw=0.7, ls=(0, (5, 3)), label=f"{plot.MINUS}0.5 / +0.5: opposed / aligned")]
    legend_h = 0.0 if free else 0.2 * len(handles) + 0.1
    sub = (f"Median (line) and middle 50% of runs (band) of mutual alignment; {an['runs']:,} runs per scenario, "
           f"seed {S.man['seed']}.")
    with plt.rc_context(plot.STYLE):
        pg = plot.page(0.75 + cols * w + (cols - 1) * GAP[0] + 0.25, rows * PANEL_H + (rows - 1) * GAP[1] + legend_h,
                       "Where do the key alignments go under each scenario?", sub, margins=(0.75, 0.3, 0.25, 0.5))
        for k, p in enumerate(pairs):
            r, c = divmod(k, cols)
            ax = pg.rect(c * (w + GAP[0]), legend_h + (rows - 1 - r) * (PANEL_H + GAP[1]), w, PANEL_H)
            _levels_panel(ax, x, tables, base, others, p, plot.pair_colour(S.actors, *p), styles)
            plot.panel_title(ax, f"{S.names[p[0]]} {plot.DASH} {S.names[p[1]]}")
            plot.year_axis(ax, x, labels=k + cols >= n)
            if c == 0:
                plot.axis_labels(ax, "mutual alignment")
            else:
                ax.tick_params(axis="y", labelleft=False)
        r, c = divmod(n, cols)
        pg.key(handles, (c * (w + GAP[0]), (rows - 1 - r) * (PANEL_H + GAP[1]), w, PANEL_H) if free else None,
               fontsize=7.3)
        return pg.fig


def _levels_panel(ax, x, tables, base, others, p, c, styles) -> None:
    """One pair under every scenario: the baseline in grey, the others in the pair's colour."""
    qb = tables[base][p]
    ax.fill_between(x, qb["q25"], qb["q75"], color=LIGHT, alpha=0.5, lw=0)
    ax.plot(x, qb["q50"], color=GREY, lw=1.6, ls=styles[0])
    for k, s in enumerate(others, 1):
        q = tables[s][p]
        ax.fill_between(x, q["q25"], q["q75"], color=c, alpha=0.22, lw=0)
        ax.plot(x, q["q50"], color=c, lw=1.8, ls=styles[k % len(styles)])
    ax.axhline(0, color="#444444", lw=0.6)
    for y in (plot.ALIGNED, -plot.ALIGNED):
        ax.axhline(y, color=plot.FAINT, lw=0.7, ls=(0, (5, 3)), zorder=1)
    ax.set_ylim(-1.02, 1.02)
