"""The figure of a sensitivity analysis: Sobol' indices of each outcome."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from sim.figures import style as plot
from sim.figures.style import finish
from sim.figures.style import wrap_label as wrap
from sim.figures.saved import Saved, num


def sobol_figure(S: Saved, an: dict):
    """First- and total-order Sobol' indices per parameter, one panel per outcome, with their
    bootstrap intervals and the replicate noise share as a dashed line."""
    rows = [r for r in S.sobol if r["analysis"] == an["name"]]
    if not rows:
        return None
    outs = list(dict.fromkeys(r["outcome"] for r in rows))
    n_par = len(an["parameters"])
    with plt.rc_context(plot.STYLE):
        fig, axes = plt.subplots(1, len(outs), figsize=(4.9 * len(outs) + 1.6, 0.55 * n_par + 2.9), squeeze=False)
        for ax, o in zip(axes[0], outs):
            rs = sorted([r for r in rows if r["outcome"] == o], key=lambda r: -num(r["ST"]))
            c = S.colour(o)
            y = np.arange(len(rs))[::-1]
            st = np.array([num(r["ST"]) for r in rs])
            s1 = np.array([num(r["S1"]) for r in rs])
            st_e = np.array([[num(r["ST"]) - num(r["ST_low"]), num(r["ST_high"]) - num(r["ST"])] for r in rs]).T
            s1_e = np.array([[num(r["S1"]) - num(r["S1_low"]), num(r["S1_high"]) - num(r["S1"])] for r in rs]).T
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
            ax.set_yticks(y, [wrap(r["label"], 30) for r in rs])
            ax.axvline(0, color="#444444", lw=0.7)
            hi = max(1.0, float(np.nanmax(np.r_[st + np.nan_to_num(st_e[1]), s1 + np.nan_to_num(s1_e[1]), 0])) + 0.12)
            ax.set_xlim(-0.05, hi)
            ax.set_xlabel("share of the outcome's variance")
            noise = num(rs[0]["noise_share"])
            if np.isfinite(noise) and noise > 0:
                ax.axvline(noise, color="#555555", lw=0.9, ls=(0, (4, 2)), zorder=0,
                           label="replicate noise share (S_T near it: no detectable effect)")
            note = f"; replicate noise ≈ {noise:.0%} of variance" if np.isfinite(noise) else ""
            ax.set_title(wrap(S.desc(o), 52) + f"\n(variance {num(rs[0]['variance']):.3g}{note})", fontsize=8.8,
                         loc="left")
            ax.grid(axis="y", visible=False)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=3, fontsize=7.8)
        title = an.get("title") or "Which assumptions drive the outcome?"
        sub = (f"Sobol' indices on “{S.title_of(an['scenario'])}”: {an['samples']} base samples × "
               f"({n_par} + 2) = {an['n_points']:,} points, {an['runs']} runs each ({an['total_runs']:,} runs), seed "
               f"{S.man['seed']}; bars: 95% bootstrap intervals ({an['bootstrap']} resamples). Each parameter uniform "
               f"over its range; S_T − S_1 is the share through interactions.")
        finish(fig, title, sub, bottom=0.35 / fig.get_figheight())
        return fig
