"""Figures of an experiment folder, drawn from its saved files only (manifest.json, the CSV
tables and samples.npz), so `alignsim plot DIR` redraws them byte for byte.

Style from sim/plot.py: one colour per actor pair (pair_colour over the experiment's actors),
Paul Tol's colour-blind-safe palette, the question as the title, dates on time axes, PNG + SVG.

    compare      {name}_probabilities   yes/no outcomes per scenario (95% Wilson) and the paired
                                        difference against the baseline (95% Newcombe)
                 {name}_means           numeric outcomes, same layout (means, normal intervals)
                 {name}_levels          key pairs over time under each scenario (medians, 50% bands)
                 {name}_difference_{s}  paired difference fan chart, scenario s minus the baseline
    sweep        {name}_heatmap_{o}     grid over two parameters: outcome o per cell
                 {name}_response        outcome against each parameter (binned for Latin hypercubes)
    sensitivity  {name}_sobol           first- and total-order Sobol' indices with bootstrap intervals
    discovery    {name}_tradeoff        PRIM peeling trajectory: coverage against density
                 {name}_box             the chosen box: limits per parameter, and the cases in the
                                        two most restricted parameters
"""

from __future__ import annotations

import csv
import json
import textwrap
from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.figures import style as plot

MARKERS = ("o", "s", "D", "^", "v", "P")
GREY = "#777777"
LIGHT = "#BBBBBB"


# ----------------------------------------------------------------------- loading


def _csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(x: str) -> float:
    return float(x) if x not in ("", None) else float("nan")


class Saved:
    """What the figures need, read from an experiment folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.man = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        self.actors = self.man["actors"]
        self.names = self.man["names"]
        self.outcomes = {o["name"]: o for o in self.man["outcomes"]}
        self.scen = self.man["scenarios"]
        self.compare = _csv(self.folder / "compare.csv")
        self.fan = _csv(self.folder / "compare_fan.csv")
        self.sweep = _csv(self.folder / "sweep.csv")
        self.sobol = _csv(self.folder / "sobol.csv")
        self.prim = _csv(self.folder / "prim.csv")
        self.prim_box = _csv(self.folder / "prim_box.csv")
        self._npz = None

    def arrays(self) -> dict:
        if self._npz is None:
            with np.load(self.folder / "samples.npz") as z:
                self._npz = {k: z[k] for k in z.files}
        return self._npz

    def colour(self, outcome: str) -> str:
        a, b = self.outcomes[outcome]["actors"][:2]
        return plot.pair_colour(self.actors, a, b)

    def desc(self, outcome: str) -> str:
        return self.outcomes[outcome]["description"]

    def title_of(self, label: str) -> str:
        return self.scen[label]["title"]

    def short(self, label: str) -> str:
        """The scenario title up to a colon ('Malacca disrupted'), for running text."""
        return self.title_of(label).split(":")[0].strip()


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _finish(fig, title: str, subtitle: str, bottom: float = 0.0) -> None:
    """Title (the question, bold) and subtitle (what was run) at the top-left, wrapped to the
    figure's width, and the axes laid out below them."""
    w, h = fig.get_figwidth(), fig.get_figheight()
    t = _wrap(title, int(w * 8.6))
    st = _wrap(subtitle, int(w * 15.5))
    tl, sl = t.count("\n") + 1, st.count("\n") + 1
    fig.suptitle(t, fontsize=12, x=0.01, y=1 - 0.08 / h, ha="left", va="top", fontweight="bold")
    sub_top = 1 - (0.14 + 0.23 * tl) / h
    fig.text(0.01, sub_top, st, fontsize=8.3, ha="left", va="top", color="#444444")
    fig.tight_layout(rect=(0, bottom, 1, sub_top - (0.16 * sl + 0.08) / h))


def _pct(x: float) -> str:
    return f"{x:.0%}" if abs(x) >= 0.1 or x == 0 else f"{x:.1%}"


# ----------------------------------------------------------------------- compare


def _forest(S: Saved, an: dict, kind: str):
    """Outcome rows: level per scenario (left), paired difference against the baseline (right)."""
    rows = [r for r in S.compare if r["analysis"] == an["name"] and r["kind"] == kind]
    if not rows:
        return None
    outs = list(dict.fromkeys(r["outcome"] for r in rows))
    scens = an["scenarios"]
    base = an["baseline"]
    by = {(r["outcome"], r["scenario"]): r for r in rows}
    prob = kind == "probability"
    n_out = len(outs)
    with plt.rc_context(plot.STYLE):
        height = 1.35 + 0.62 * n_out * max(1, len(scens) / 2.2)
        if prob:
            fig, (ax, axd) = plt.subplots(1, 2, figsize=(10.4, height + 1.0), sharey=True,
                                          gridspec_kw={"width_ratios": [1.35, 1]})
            axes = [(ax, axd)] * n_out
        else:
            fig, grid = plt.subplots(n_out, 2, figsize=(10.4, 1.2 + 1.15 * n_out * max(1, len(scens) / 2.2) + 1.0),
                                     squeeze=False, gridspec_kw={"width_ratios": [1.35, 1]})
            axes = [tuple(g) for g in grid]
        step = 0.8 / max(len(scens), 1)
        for k, o in enumerate(outs):
            ax, axd = axes[k]
            y0 = -k if prob else 0.0
            c = S.colour(o)
            for m, s in enumerate(scens):
                r = by.get((o, s))
                if r is None:
                    continue
                y = y0 + 0.4 - step / 2 - m * step
                est, lo, hi = _num(r["estimate"]), _num(r["ci_low"]), _num(r["ci_high"])
                filled = s != base
                ax.errorbar(est, y, xerr=_err(est, lo, hi), fmt=MARKERS[m % len(MARKERS)], color=c,
                            mfc=c if filled else "white", mec="#333333" if filled else c,
                            mew=0.6 if filled else 1.8, ms=6.5, lw=1.4, capsize=2.5)
                ax.annotate(_pct(est) if prob else f"{est:.3f}", (hi, y), xytext=(5, 0), textcoords="offset points",
                            va="center", fontsize=7.8, color="#333333")
                if filled:
                    d, dlo, dhi = _num(r["difference"]), _num(r["diff_low"]), _num(r["diff_high"])
                    axd.errorbar(d, y, xerr=_err(d, dlo, dhi), fmt=MARKERS[m % len(MARKERS)], color=c,
                                 mfc=c, mec="#333333", mew=0.6, ms=6.5, lw=1.4, capsize=2.5)
                    text = (f"{d * 100:+.1f} pts" if prob else f"{d:+.3f}")
                    axd.annotate(text, (dhi, y), xytext=(5, 0), textcoords="offset points", va="center",
                                 fontsize=7.8, color="#333333")
            if not prob:
                unit = S.outcomes[o]["unit"]
                ax.set_yticks([0.0], [_wrap(S.desc(o), 34)])
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
        if prob:
            ax.set_yticks([-k for k in range(n_out)], [_wrap(S.desc(o), 34) for o in outs])
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
        _finish(fig, title, sub, bottom=0.16 * (len(scens) + 0.5) / fig.get_figheight() + 0.02)
        return fig


def _err(est, lo, hi):
    """Whisker lengths (never negative: saved values are rounded)."""
    return [[max(est - lo, 0.0)], [max(hi - est, 0.0)]]


def _pad_x(ax, frac: float, zero: bool = False) -> None:
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
        for c in ("mean", *plot_q()):
            data[key][c].append(_num(r[c]))
    return list(data), dates, {k: {c: np.array(v) for c, v in d.items()} for k, d in data.items()}


def plot_q():
    return ("q05", "q25", "q50", "q75", "q95")


def _new_events(S: Saved, label: str, base: str, dates: list[str]):
    """Scheduled shocks of the scenario that the baseline does not have, as (step, label)."""
    mine = S.scen[label]["shocks"]
    theirs = {s["name"] for s in S.scen[base]["shocks"]}
    out = []
    for s in mine:
        if s["name"] not in theirs and s["at"] in dates and s["at"] != dates[0]:
            out.append((dates.index(s["at"]), s["label"]))
    return sorted(out)


def _difference(S: Saved, an: dict, label: str):
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
    fig = plot.fan_chart(dates, q, pairs, S.actors, S.names, title, sub, events,
                         ylabel="difference\n(mutual alignment)")
    for ax in fig.axes:
        if ax.get_visible():
            ax.set_ylim(-lim, lim)
            _merge_event_numbers(ax)
    _reheader(fig, title, sub)
    return fig


def _reheader(fig, title: str, subtitle: str) -> None:
    """Give a fan chart from sim.plot room for a wrapped title and subtitle."""
    w, h = fig.get_figwidth(), fig.get_figheight()
    t = _wrap(title, int(w * 8.6))
    st = _wrap(subtitle, int(w * 15.5))
    tl, sl = t.count("\n") + 1, st.count("\n") + 1
    for txt in fig.texts:
        if txt.get_text() == subtitle:
            txt.set_visible(False)
    fig._suptitle.set_text(t)
    sub_top = 1 - (0.1 + 0.24 * tl) / h
    fig.text(0.01, sub_top, st, fontsize=8.3, ha="left", va="top", color="#444444")
    fig.subplots_adjust(top=sub_top - (0.17 * sl + 0.45) / h)


def _merge_event_numbers(ax) -> None:
    """Event numbers of the same month are shown once ('5,6'); numbers of nearby months are
    set to the left and right of their lines so they do not overprint."""
    from matplotlib.text import Annotation
    anns = sorted((a for a in ax.texts if isinstance(a, Annotation) and a.get_text().isdigit()),
                  key=lambda a: int(a.get_text()))
    placed = []            # (annotation, x in days)
    for a in anns:
        x = plot.mdates.date2num(a.xy[0])
        if placed and x == placed[-1][1]:
            placed[-1][0].set_text(placed[-1][0].get_text() + "," + a.get_text())
            a.set_visible(False)
            continue
        placed.append((a, x))
    for (a, x), (b, y) in zip(placed, placed[1:]):
        if y - x < 20 * (len(a.get_text()) + len(b.get_text())):
            for ann, dx, ha in ((a, -1.5, "right"), (b, 1.5, "left")):
                ann.set_anncoords("offset points")
                ann.xyann = (dx, 1.0)
                ann.set_ha(ha)


def _levels(S: Saved, an: dict):
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
    rows = int(np.ceil(n / cols))
    with plt.rc_context(plot.STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.7 * rows + 1.3), sharex=True, sharey=True,
                                 squeeze=False)
        import matplotlib.dates as mdates
        for ax, p in zip(axes.flat, pairs):
            c = plot.pair_colour(S.actors, *p)
            qb = tables[base][p]
            ax.fill_between(x, qb["q25"], qb["q75"], color=LIGHT, alpha=0.5, lw=0)
            ax.plot(x, qb["q50"], color=GREY, lw=1.6, ls=styles[0])
            k = 0
            for s in scens:
                if s == base:
                    continue
                k += 1
                q = tables[s][p]
                ax.fill_between(x, q["q25"], q["q75"], color=c, alpha=0.22, lw=0)
                ax.plot(x, q["q50"], color=c, lw=1.8, ls=styles[k % len(styles)])
            ax.axhline(0, color="#444444", lw=0.6)
            ax.set_title(f"{S.names[p[0]]} – {S.names[p[1]]}")
            ax.set_ylim(-1.02, 1.02)
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
        for ax in axes[:, 0]:
            ax.set_ylabel("mutual alignment")
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        handles = [Line2D([], [], color=GREY, lw=1.6, label=f"{base}: {S.title_of(base)} (baseline)")]
        k = 0
        for s in scens:
            if s != base:
                k += 1
                handles.append(Line2D([], [], color="#333333", lw=1.8, ls=styles[k % len(styles)],
                                      label=f"{s}: {S.title_of(s)} (in each pair's colour)"))
        fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.0), fontsize=7.8)
        title = "Where do the key alignments go under each scenario?"
        sub = (f"Median (line) and middle 50% of runs (band) of mutual alignment; {an['runs']:,} runs per scenario, "
               f"seed {S.man['seed']}.")
        _finish(fig, title, sub, bottom=0.2 * len(handles) / fig.get_figheight() + 0.02)
        return fig


# ------------------------------------------------------------------------- sweep


def _sweep_rows(S: Saved, an: dict, outcome: str):
    rows = [r for r in S.sweep if r["analysis"] == an["name"] and r["outcome"] == outcome]
    keys = [p["key"] for p in an["parameters"]]
    x = np.array([[_num(r[k]) for k in keys] for r in rows])
    est = np.array([_num(r["estimate"]) for r in rows])
    lo = np.array([_num(r["ci_low"]) for r in rows])
    hi = np.array([_num(r["ci_high"]) for r in rows])
    cnt = np.array([_num(r["count"]) for r in rows])
    n = np.array([_num(r["runs"]) for r in rows])
    return x, est, lo, hi, cnt, n


def _sweep_sub(S: Saved, an: dict) -> str:
    pts = an["n_points"]
    how = (f"grid of {an['points']} values per parameter" if an["method"] == "grid"
           else f"Latin hypercube of {pts} points")
    return (f"Scenario “{S.title_of(an['scenario'])}”; {how}, {an['runs']:,} runs per point "
            f"({an['total_runs']:,} runs), seed {S.man['seed']}; other inputs as in the scenario file.")


def _heatmap(S: Saved, an: dict, outcome: str):
    p1, p2 = an["parameters"]
    x, est, lo, hi, cnt, n = _sweep_rows(S, an, outcome)
    v1 = np.unique(x[:, 0])
    v2 = np.unique(x[:, 1])
    grid = np.full((len(v2), len(v1)), np.nan)
    for (a, b), e in zip(x, est):
        grid[np.searchsorted(v2, b), np.searchsorted(v1, a)] = e
    prob = S.outcomes[outcome]["binary"]
    with plt.rc_context({**plot.STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(1.0 + 0.72 * len(v1) + 2.2, 1.6 + 0.5 * len(v2) + 1.3))
        vmin, vmax = (0.0, 1.0) if prob else (float(np.nanmin(grid)), float(np.nanmax(grid)))
        im = ax.imshow(grid, origin="lower", cmap="cividis", vmin=vmin, vmax=vmax, aspect="auto")
        for i in range(len(v2)):
            for j in range(len(v1)):
                e = grid[i, j]
                if np.isfinite(e):
                    frac = (e - vmin) / (vmax - vmin) if vmax > vmin else 0.5
                    ax.text(j, i, _pct(e) if prob else f"{e:.2f}", ha="center", va="center", fontsize=7.5,
                            color="black" if frac > 0.55 else "white")
        ax.set_xticks(range(len(v1)), [f"{v:.3g}" for v in v1])
        ax.set_yticks(range(len(v2)), [f"{v:.3g}" for v in v2])
        ax.set_xlabel(p1["label"])
        ax.set_ylabel(p2["label"])
        cb = fig.colorbar(im, ax=ax, shrink=0.85)
        cb.set_label("share of runs" if prob else "mean (" + S.outcomes[outcome]["unit"] + ")")
        if prob:
            cb.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        q = f"the chance that {S.desc(outcome)}" if prob else S.desc(outcome)
        title = an.get("title") or f"How does {q} depend on {p1['label']} and {p2['label']}?"
        what = (f"Cell: share of runs with {S.desc(outcome)}." if prob else f"Cell: mean {S.desc(outcome)}.")
        _finish(fig, title, what + " " + _sweep_sub(S, an))
        return fig


def _bins(x, cnt, n, est, k=8):
    """Binned response for scattered points: pooled share (or mean) per parameter bin."""
    edges = np.quantile(x, np.linspace(0, 1, k + 1))
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, k - 1)
    mid, e, lo, hi = [], [], [], []
    from sim.analysis.coalitions import wilson_interval
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


def _response(S: Saved, an: dict):
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
                    ax.set_xlabel(_wrap(p["label"], 40))
                if j == 0:
                    ax.set_ylabel(_wrap(S.desc(o), 30), fontsize=8)
                else:
                    ax.tick_params(labelleft=False)
        title = an.get("title") or "How do the outcomes respond to each parameter?"
        how = "" if grid else " Points grouped into eight bins of each parameter (the others vary): pooled share or mean per bin, 95% interval."
        _finish(fig, title, _sweep_sub(S, an) + how)
        return fig


# ------------------------------------------------------------------- sensitivity


def _sobol(S: Saved, an: dict):
    rows = [r for r in S.sobol if r["analysis"] == an["name"]]
    if not rows:
        return None
    outs = list(dict.fromkeys(r["outcome"] for r in rows))
    n_par = len(an["parameters"])
    with plt.rc_context(plot.STYLE):
        fig, axes = plt.subplots(1, len(outs), figsize=(4.9 * len(outs) + 1.6, 0.55 * n_par + 2.9), squeeze=False)
        for ax, o in zip(axes[0], outs):
            rs = sorted([r for r in rows if r["outcome"] == o], key=lambda r: -_num(r["ST"]))
            c = S.colour(o)
            y = np.arange(len(rs))[::-1]
            st = np.array([_num(r["ST"]) for r in rs])
            s1 = np.array([_num(r["S1"]) for r in rs])
            st_e = np.array([[_num(r["ST"]) - _num(r["ST_low"]), _num(r["ST_high"]) - _num(r["ST"])] for r in rs]).T
            s1_e = np.array([[_num(r["S1"]) - _num(r["S1_low"]), _num(r["S1_high"]) - _num(r["S1"])] for r in rs]).T
            ax.barh(y + 0.19, st, height=0.36, color=c, alpha=0.4, label="total order S_T (with interactions)")
            ax.barh(y - 0.19, s1, height=0.36, color=c, label="first order S_1 (alone)")
            ax.errorbar(st, y + 0.19, xerr=np.clip(np.nan_to_num(st_e), 0, None), fmt="none", ecolor="#333333",
                        lw=0.9, capsize=2)
            ax.errorbar(s1, y - 0.19, xerr=np.clip(np.nan_to_num(s1_e), 0, None), fmt="none", ecolor="#333333",
                        lw=0.9, capsize=2)
            for yy, a, b, ea, eb in zip(y, st, s1, np.nan_to_num(st_e[1]), np.nan_to_num(s1_e[1])):
                ax.text(max(a + max(ea, 0), 0) + 0.015, yy + 0.19, f"{a:.2f}", va="center", fontsize=7.5,
                        color="#333333")
                ax.text(max(b + max(eb, 0), 0) + 0.015, yy - 0.19, f"{b:.2f}", va="center", fontsize=7.5,
                        color="#333333")
            ax.set_yticks(y, [_wrap(r["label"], 30) for r in rs])
            ax.axvline(0, color="#444444", lw=0.7)
            hi = max(1.0, float(np.nanmax(np.r_[st + np.nan_to_num(st_e[1]), s1 + np.nan_to_num(s1_e[1]), 0])) + 0.12)
            ax.set_xlim(-0.05, hi)
            ax.set_xlabel("share of the outcome's variance")
            noise = _num(rs[0]["noise_share"])
            if np.isfinite(noise) and noise > 0:
                ax.axvline(noise, color="#555555", lw=0.9, ls=(0, (4, 2)), zorder=0,
                           label="replicate noise share (S_T near it: no detectable effect)")
            note = f"; replicate noise ≈ {noise:.0%} of variance" if np.isfinite(noise) else ""
            ax.set_title(_wrap(S.desc(o), 52) + f"\n(variance {_num(rs[0]['variance']):.3g}{note})", fontsize=8.8,
                         loc="left")
            ax.grid(axis="y", visible=False)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=3, fontsize=7.8)
        title = an.get("title") or "Which assumptions drive the outcome?"
        sub = (f"Sobol' indices on “{S.title_of(an['scenario'])}”: {an['samples']} base samples × "
               f"({n_par} + 2) = {an['n_points']:,} points, {an['runs']} runs each ({an['total_runs']:,} runs), seed "
               f"{S.man['seed']}; bars: 95% bootstrap intervals ({an['bootstrap']} resamples). Each parameter uniform "
               f"over its range; S_T − S_1 is the share through interactions.")
        _finish(fig, title, sub, bottom=0.35 / fig.get_figheight())
        return fig


# --------------------------------------------------------------------- discovery


def _prim_rows(S: Saved, an: dict, box: int = 1):
    return [r for r in S.prim if r["analysis"] == an["name"] and r["box"] == str(box)]


def _tradeoff(S: Saved, an: dict):
    rows = _prim_rows(S, an)
    if not rows:
        return None
    traj = [r for r in rows if r["step"] != "final"]
    final = next(r for r in rows if r["step"] == "final")
    cov = np.array([_num(r["coverage"]) for r in traj])
    den = np.array([_num(r["density"]) for r in traj])
    nres = np.array([int(r["n_restricted"]) for r in traj])
    chosen = next(i for i, r in enumerate(traj) if r["chosen"] == "1")
    c = S.colour(an["outcome"])
    with plt.rc_context(plot.STYLE):
        fig, ax = plt.subplots(figsize=(7.6, 5.2))
        ax.plot(cov, den, color=LIGHT, lw=1.0, zorder=1)
        sc = ax.scatter(cov, den, c=nres, cmap="cividis", s=22, zorder=2, vmin=0, vmax=max(1, nres.max()))
        cb = fig.colorbar(sc, ax=ax, shrink=0.8)
        cb.set_label("parameters restricted")
        cb.set_ticks(range(0, int(max(1, nres.max())) + 1))
        ax.scatter([cov[chosen]], [den[chosen]], s=140, facecolor="none", edgecolor="#333333", lw=1.3, zorder=3)
        fc, fd = _num(final["coverage"]), _num(final["density"])
        ax.scatter([fc], [fd], marker="*", s=220, color=c, edgecolor="#333333", lw=0.8, zorder=4)
        ax.annotate(f"chosen box after pasting\ncoverage {fc:.0%}, density {fd:.0%}", (fc, fd), xytext=(-20, -70),
                    textcoords="offset points", fontsize=8, ha="right",
                    arrowprops=dict(arrowstyle="-", color="#555555", lw=0.7))
        ax.annotate("all cases", (cov[0], den[0]), xytext=(-8, 10), textcoords="offset points", fontsize=7.5,
                    ha="right", color="#555555")
        ax.set_xlabel("coverage: share of the cases with the outcome that fall inside the box")
        ax.set_ylabel("density: share of the cases in the box\nthat have the outcome")
        ax.set_xlim(-0.02, 1.05)
        ax.set_ylim(0, 1.05)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        title = (an.get("title") + " — the coverage/density trade-off") if an.get("title") else \
            "How sharply can the conditions for the outcome be pinned down?"
        sub = (f"PRIM peeling trajectory for: {S.desc(an['outcome'])}. Each dot is a box, from all cases (left) "
               f"to ever smaller, purer boxes; ring: box picked on the trajectory; star: after pasting.")
        _finish(fig, title, sub)
        return fig


def _box(S: Saved, an: dict):
    rows = [r for r in S.prim_box if r["analysis"] == an["name"] and r["box"] == "1"]
    if not rows:
        return None
    c = S.colour(an["outcome"])
    restricted = [r for r in rows if r["restricted"] == "1"]
    order = sorted(rows, key=lambda r: (r["restricted"] != "1", _num(r["quasi_p"]) if r["quasi_p"] else 1.0))
    arr = S.arrays()
    keys = list(arr[f"{an['name']}__keys"])
    x = np.repeat(arr[f"{an['name']}__params"], an["runs"], axis=0)
    y = arr[f"{an['name']}__{an['outcome']}__event"].astype(bool)
    with plt.rc_context(plot.STYLE):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.0, 0.5 * len(rows) + 3.6),
                                      gridspec_kw={"width_ratios": [1.15, 1]})
        yy = np.arange(len(order))[::-1]
        for yv, r in zip(yy, order):
            slo, shi = _num(r["sampled_low"]), _num(r["sampled_high"])
            lo, hi = (_num(r["low"]) - slo) / (shi - slo), (_num(r["high"]) - slo) / (shi - slo)
            on = r["restricted"] == "1"
            ax.barh(yv, 1.0, left=0, height=0.5, color="#EEEEEE", edgecolor=LIGHT, lw=0.6)
            ax.barh(yv, hi - lo, left=lo, height=0.5, color=c if on else LIGHT, alpha=0.9 if on else 0.6)
            ax.text(-0.02, yv, f"{slo:.3g}", ha="right", va="center", fontsize=7.2, color="#666666")
            ax.text(1.02, yv, f"{shi:.3g}", ha="left", va="center", fontsize=7.2, color="#666666")
            if on:
                ax.text(lo, yv + 0.34, f"{_num(r['low']):.3g}", ha="center", va="bottom", fontsize=7.5)
                ax.text(hi, yv + 0.34, f"{_num(r['high']):.3g}", ha="center", va="bottom", fontsize=7.5)
                qp = _num(r["quasi_p"])
                ax.text(1.14, yv, f"qp {qp:.1g}" if qp >= 1e-4 else "qp < 1e-4", ha="left", va="center",
                        fontsize=7.2, color="#444444")
        ax.set_yticks(yy, [_wrap(r["label"], 30) for r in order])
        ax.set_xlim(-0.12, 1.3)
        ax.set_ylim(-0.7, len(order) - 0.2)
        ax.set_xticks([])
        ax.grid(False)
        ax.spines["bottom"].set_visible(False)
        ax.set_title("box limits within each sampled range (coloured: restricted)", fontsize=8.8, loc="left")
        # the two most restricted parameters (smallest quasi-p), cases and box
        pick = [r["parameter"] for r in order[:2]]
        if len(pick) == 2:
            i, j = keys.index(pick[0]), keys.index(pick[1])
            ax2.scatter(x[~y, i], x[~y, j], s=5, color=LIGHT, alpha=0.6, lw=0, label="outcome does not occur",
                        rasterized=True)
            ax2.scatter(x[y, i], x[y, j], s=6, color=c, alpha=0.8, lw=0, label="outcome occurs", rasterized=True)
            ri = next(r for r in rows if r["parameter"] == pick[0])
            rj = next(r for r in rows if r["parameter"] == pick[1])
            x0, x1, y0, y1 = _num(ri["low"]), _num(ri["high"]), _num(rj["low"]), _num(rj["high"])
            ax2.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#222222", lw=1.6, ls="--"))
            ax2.set_xlabel(ri["label"])
            ax2.set_ylabel(rj["label"])
            ax2.legend(handles=[Patch(color=c, label="outcome occurs"), Patch(color=LIGHT, label="does not"),
                                Line2D([], [], color="#222222", ls="--", label="box")],
                       loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7.5)
            ax2.set_title("cases in the two most restricted parameters", fontsize=8.8, loc="left")
        else:
            ax2.set_visible(False)
        b = rows[0]
        title = an.get("title") or f"Which conditions lead to: {S.desc(an['outcome'])}?"
        nres = len(restricted)
        sub = (f"PRIM on “{S.title_of(an['scenario'])}”: {an['samples']:,} Latin-hypercube samples × {an['runs']} runs, "
               f"seed {S.man['seed']}. Box 1 restricts {nres} of {len(rows)} parameters: coverage "
               f"{_num(b['coverage']):.0%}, density {_num(b['density']):.0%}, {_num(b['mass']):.0%} of cases. "
               f"qp: quasi-p-value of each restriction (small: it matters).")
        _finish(fig, title, sub)
        return fig


# ----------------------------------------------------------------------- driver


def _stem(name: str, what: str) -> str:
    """File stem of a figure: analysis name and figure kind ('sobol', not 'sobol_sobol')."""
    return name if name == what else f"{name}_{what}"


def specs(folder) -> list[tuple[str, object, str]]:
    """[(stem, draw() -> Figure | None, caption)] for every figure of an experiment folder."""
    S = Saved(folder)
    out = []
    seed = S.man["seed"]
    for an in S.man["analyses"]:
        name, kind = an["name"], an["type"]
        if kind == "compare":
            base = an["baseline"]
            out.append((_stem(name, "probabilities"), lambda an=an: _forest(S, an, "probability"),
                        f"Probability of each yes/no outcome under each scenario, with 95% Wilson intervals (left), "
                        f"and the paired difference against the baseline “{S.title_of(base)}” in percentage points, "
                        f"with 95% Newcombe intervals for paired proportions (right). {an['runs']:,} runs per "
                        f"scenario with seed {seed}: run r of every scenario shares its random numbers."))
            if any(r["kind"] == "mean" and r["analysis"] == name for r in S.compare):
                out.append((_stem(name, "means"), lambda an=an: _forest(S, an, "mean"),
                            "Numeric outcomes: mean per scenario with 95% intervals (left) and the mean paired "
                            "difference against the baseline with a 95% interval (right)."))
            out.append((_stem(name, "levels"), lambda an=an: _levels(S, an),
                        "Mutual alignment of the key pairs over time under each scenario: median (line) and middle "
                        "50% of runs (band); the baseline in grey."))
            for s in an["scenarios"]:
                if s != base:
                    out.append((_stem(name, f"difference_{s}"), lambda an=an, s=s: _difference(S, an, s),
                                f"Paired difference fan chart: per run, mutual alignment under “{S.title_of(s)}” "
                                f"minus under “{S.title_of(base)}”; median, 50% and 90% of runs. Because the runs "
                                f"share random numbers, the spread is the scenario's effect across its own uncertain "
                                f"inputs, not dice. Dotted lines: scheduled events the baseline does not have."))
        elif kind == "sweep":
            if an["method"] == "grid" and len(an["parameters"]) == 2:
                for o in an["outcomes"]:
                    out.append((_stem(name, f"heatmap_{o}"), lambda an=an, o=o: _heatmap(S, an, o),
                                f"{S.desc(o)}: per grid cell over {an['parameters'][0]['label']} and "
                                f"{an['parameters'][1]['label']}, {an['runs']:,} runs per cell on "
                                f"“{S.title_of(an['scenario'])}”."))
            else:
                out.append((_stem(name, "response"), lambda an=an: _response(S, an),
                            f"Response of each outcome to each swept parameter on “{S.title_of(an['scenario'])}”, "
                            f"with 95% intervals."))
        elif kind == "sensitivity":
            out.append((_stem(name, "sobol"), lambda an=an: _sobol(S, an),
                        "Sobol' sensitivity indices: first order (dark; the share of the outcome's variance a "
                        "parameter explains alone) and total order (light; including its interactions), with 95% "
                        "bootstrap intervals. Remaining replicate noise inflates every total-order index by about "
                        "the noise share (dashed line): a total-order index near that line is indistinguishable "
                        "from the dice."))
        elif kind == "discovery":
            out.append((_stem(name, "box"), lambda an=an: _box(S, an),
                        f"Scenario discovery (PRIM): the parameter box in which “{S.desc(an['outcome'])}” is most "
                        f"concentrated, with its limits, quasi-p-values, and the sampled cases in the two most "
                        f"restricted parameters. The rules are in rules.txt."))
            out.append((_stem(name, "tradeoff"), lambda an=an: _tradeoff(S, an),
                        "PRIM peeling trajectory: each box's coverage (share of the outcome's cases it captures) "
                        "against its density (share of its cases with the outcome)."))
    return out


def captions(folder) -> dict[str, str]:
    return {stem: cap for stem, _, cap in specs(folder)}


def plot_experiment(folder) -> list[Path]:
    """Redraw every figure of an experiment folder from its saved files; PNG and SVG paths."""
    folder = Path(folder)
    paths: list[Path] = []
    for stem, draw, _ in specs(folder):
        fig = draw()
        if fig is not None:
            paths += plot.save(fig, folder / "figures", stem)
    return paths
