"""Which coalitions form? Actors on a circle, ties of median mutual alignment, and the sides of
the most frequent landscape-theory coalition structure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.core.numbers import percent_interval
from sim.figures import style as st

POSITIVE = "#4477AA"  # Paul Tol bright blue
NEGATIVE = "#CC6677"  # Tol muted rose; negative ties are also dashed, so the sign survives greyscale
SIDE_COLOURS = ("#332288", "#DDCC77")  # Tol indigo / sand: far apart in lightness too
SIDE_TEXT = ("white", "black")
TIE = 0.2   # ties weaker than this (|median mutual alignment|) are not drawn


def network_chart(date: str, ids, names: dict, sides, med, size, ranked, title: str, runs, seed):
    """The coalition network at one date.

    Parameters
    ----------
    date : "YYYY-MM"
    ids : list of str
    names : dict
        Display names by id.
    sides : array (n,)
        0 or 1 per actor: its side in the modal structure.
    med : ndarray (n, n)
        Median mutual alignment.
    size : array (n,) or None
        Median military shares (node areas); None draws equal nodes and says why.
    ranked : list of (label, Proportion)
        The most frequent structures, most frequent first.
    title : str
        The scenario's title.
    runs, seed
        As written in the subtitle.

    Returns
    -------
    matplotlib Figure
    """
    n = len(ids)
    sides = np.asarray(sides)
    equal = size is None
    size = np.full(n, 1.0 / n) if equal else size
    order = [i for i in range(n) if sides[i] == 0] + [i for i in range(n) if sides[i] == 1]
    ang = np.pi / 2 + 2 * np.pi * np.arange(n) / n
    pos = {order[k]: np.array([np.cos(ang[k]), np.sin(ang[k])]) for k in range(n)}
    sub = (f"{title}; {runs} runs, seed {seed}. Node colour: side in the most frequent two-bloc structure "
           f"(landscape theory per run: size = military share, propensity = mutual alignment); node area: "
           + ("equal (no per-run military data saved)." if equal else "median military share."))
    foot = [f"{'modal' if k == 1 else f'#{k}'}: {label}, {percent_interval(pr.p, pr.low, pr.high)} of runs "
            f"(95% interval)" for k, (label, pr) in enumerate(ranked, 1)]
    foot.append(f"Ties: median mutual alignment at {date}; only ties of at least {TIE} either way are drawn.")
    with plt.rc_context({**st.STYLE, "axes.grid": False}):
        pg = st.page(7.2, 4.9, f"Which coalitions form by {date}?", sub, foot, margins=(0.1, 0.05, 0.1, 0.05))
        ax = pg.rect(0, 0, 7.0, 4.9)
        for i in range(n):
            for j in range(i + 1, n):
                if abs(med[i, j]) >= TIE:
                    _tie(ax, pos[i], pos[j], med[i, j])
        for i in range(n):
            px, py = pos[i]
            ax.add_patch(plt.Circle((px, py), 0.11 + 0.22 * np.sqrt(size[i]), color=SIDE_COLOURS[sides[i]],
                                    zorder=4, ec="white", lw=1.5))
            label = names[ids[i]] if len(names[ids[i]]) <= 8 else names[ids[i]].replace(" ", "\n", 1)
            ax.text(px, py, label, ha="center", va="center", zorder=5, fontsize=8.8, color=SIDE_TEXT[sides[i]],
                    fontweight="bold")
        ax.set_xlim(-1.75, 1.75)
        ax.set_ylim(-1.2, 1.25)
        ax.set_aspect("equal")
        ax.axis("off")
        handles = [Line2D([], [], color=POSITIVE, lw=3, label=f"positive tie (median \u2265 +{TIE})"),
                   Line2D([], [], color=NEGATIVE, lw=3, ls=(0, (4, 2.5)),
                          label=f"negative tie (median \u2264 {st.MINUS}{TIE})")]
        if sides.any():
            handles += [Patch(color=SIDE_COLOURS[0], label="modal coalition A"),
                        Patch(color=SIDE_COLOURS[1], label="modal coalition B")]
        else:
            handles.append(Patch(color=SIDE_COLOURS[0], label="modal: one coalition"))
        ax.legend(handles=handles, loc="upper right", fontsize=7.5, bbox_to_anchor=(1.0, 1.0))
        return pg.fig


def _tie(ax, p, q, v: float) -> None:
    """One tie: solid blue if positive, dashed rose if negative, width by strength, value on it."""
    (x0, y0), (x1, y1) = p, q
    ax.plot([x0, x1], [y0, y1], color=POSITIVE if v > 0 else NEGATIVE, lw=0.6 + 7.0 * abs(v),
            ls="-" if v > 0 else (0, (4, 2.5)), alpha=0.85, zorder=1, solid_capstyle="round")
    ax.text((x0 + x1) / 2, (y0 + y1) / 2, st.signed(v), fontsize=8, ha="center", va="center", zorder=3,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
