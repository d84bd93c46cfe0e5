"""Figures of scenario discovery (PRIM): the coverage/density trade-off and the chosen box."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.figures import style as plot
from sim.figures.style import LIGHT, finish
from sim.figures.style import wrap_label as wrap
from sim.figures.saved import Saved, num


def _prim_rows(S: Saved, an: dict, box: int = 1):
    """The rows of prim.csv of one box: its peeling trajectory and its final box."""
    return [r for r in S.prim if r["analysis"] == an["name"] and r["box"] == str(box)]


def tradeoff_figure(S: Saved, an: dict):
    """PRIM's peeling trajectory of the first box: coverage against density, coloured by the
    number of restricted parameters, with the chosen and the final box marked."""
    rows = _prim_rows(S, an)
    if not rows:
        return None
    traj = [r for r in rows if r["step"] != "final"]
    final = next(r for r in rows if r["step"] == "final")
    cov = np.array([num(r["coverage"]) for r in traj])
    den = np.array([num(r["density"]) for r in traj])
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
        fc, fd = num(final["coverage"]), num(final["density"])
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
        finish(fig, title, sub)
        return fig


def box_figure(S: Saved, an: dict):
    """The first box: its limits within each parameter's sampled range (left), and the cases in
    the two most restricted parameters with the box drawn over them (right)."""
    rows = [r for r in S.prim_box if r["analysis"] == an["name"] and r["box"] == "1"]
    if not rows:
        return None
    c = S.colour(an["outcome"])
    restricted = [r for r in rows if r["restricted"] == "1"]
    order = sorted(rows, key=lambda r: (r["restricted"] != "1", num(r["quasi_p"]) if r["quasi_p"] else 1.0))
    arr = S.arrays()
    keys = list(arr[f"{an['name']}__keys"])
    x = np.repeat(arr[f"{an['name']}__params"], an["runs"], axis=0)
    y = arr[f"{an['name']}__{an['outcome']}__event"].astype(bool)
    with plt.rc_context(plot.STYLE):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.0, 0.5 * len(rows) + 3.6),
                                      gridspec_kw={"width_ratios": [1.15, 1]})
        yy = np.arange(len(order))[::-1]
        for yv, r in zip(yy, order):
            slo, shi = num(r["sampled_low"]), num(r["sampled_high"])
            lo, hi = (num(r["low"]) - slo) / (shi - slo), (num(r["high"]) - slo) / (shi - slo)
            on = r["restricted"] == "1"
            ax.barh(yv, 1.0, left=0, height=0.5, color="#EEEEEE", edgecolor=LIGHT, lw=0.6)
            ax.barh(yv, hi - lo, left=lo, height=0.5, color=c if on else LIGHT, alpha=0.9 if on else 0.6)
            ax.text(-0.02, yv, f"{slo:.3g}", ha="right", va="center", fontsize=7.2, color="#666666")
            ax.text(1.02, yv, f"{shi:.3g}", ha="left", va="center", fontsize=7.2, color="#666666")
            if on:
                ax.text(lo, yv + 0.34, f"{num(r['low']):.3g}", ha="center", va="bottom", fontsize=7.5)
                ax.text(hi, yv + 0.34, f"{num(r['high']):.3g}", ha="center", va="bottom", fontsize=7.5)
                qp = num(r["quasi_p"])
                ax.text(1.14, yv, f"qp {qp:.1g}" if qp >= 1e-4 else "qp < 1e-4", ha="left", va="center",
                        fontsize=7.2, color="#444444")
        ax.set_yticks(yy, [wrap(r["label"], 30) for r in order])
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
            x0, x1, y0, y1 = num(ri["low"]), num(ri["high"]), num(rj["low"]), num(rj["high"])
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
        sub = (f"PRIM on “{S.title_of(an['scenario'])}”: {an['samples']:,} Latin-hypercube samples × "
               f"{an['runs']} runs, "
               f"seed {S.man['seed']}. Box 1 restricts {nres} of {len(rows)} parameters: coverage "
               f"{num(b['coverage']):.0%}, density {num(b['density']):.0%}, {num(b['mass']):.0%} of cases. "
               f"qp: quasi-p-value of each restriction (small: it matters).")
        finish(fig, title, sub)
        return fig
