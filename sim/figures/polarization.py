"""Is the system polarizing into two blocs? Polarization and structural balance over time."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.figures import style as st

PANEL = (4.9, 2.5)
GAP = 0.75

POLARIZATION = ("Polarization: how much of the pattern of alignments one split into two opposed blocs "
                "explains. 1 = two perfectly opposed blocs; 1/n = no structure at all.")
BALANCE = ("Balance: the share of three-actor triangles that are balanced (a friend's friend is a "
           "friend, a friend's enemy an enemy), each counted by the strength of its three ties.")


def balance_chart(dates, quant: dict, n_actors: int, events, title: str, runs: str, seed):
    """Two panels over time: polarization, and the balanced-triad share.

    Parameters
    ----------
    dates : list of "YYYY-MM"
    quant : dict
        metric -> {"mean", "q05", ..., "q95"} arrays over steps, for "polarization",
        "weighted_balanced_triad_share" and "balanced_triad_share".
    n_actors : int
    events : list of (step, label)
        Scheduled events, numbered as in the fan chart.
    title : str
        The scenario's title.
    runs : str
        The number of runs as written ("1,000").
    seed : int

    Returns
    -------
    matplotlib Figure

    Notes
    -----
    The unweighted share takes a few discrete values (with five actors, tenths), so its median
    jumps between them from step to step; its mean over runs is drawn instead.
    """
    x = st.month_axis(list(dates))
    sub = (f"{title}; {runs} runs, seed {seed}. Median and the 50% and 90% bands of the runs; numbered dotted "
           f"lines: scheduled events.")
    foot = [f"Left: {POLARIZATION}", f"Right: {BALANCE} Dashed: the same share with every triangle counting "
            "once (mean over runs)."]
    if events:
        foot.append("Events: " + ";  ".join(st.event_key(events, dates)))
    marks = st.number_events(events)
    with plt.rc_context(st.STYLE):
        pg = st.page(0.8 + 2 * PANEL[0] + GAP + 0.25, PANEL[1], "Is the system polarizing into two blocs?", sub,
                     foot, margins=(0.8, 0.3, 0.25, 0.35))
        left = pg.rect(0, 0, *PANEL)
        right = pg.rect(PANEL[0] + GAP, 0, *PANEL)
        _bands(left, x, quant["polarization"], st.PALETTE[0])
        left.axhline(1 / n_actors, color=st.SOFT, lw=0.7)
        left.text(x[-1], 1 / n_actors + 0.015, f"1/n = {1 / n_actors:.2f} (no structure)", fontsize=7,
                  ha="right", va="bottom", color=st.SOFT)
        left.set_ylim(0, 1.02)
        st.axis_labels(left, "polarization")
        st.panel_title(left, "Polarization", 12, loc="left", fontsize=9.5)
        _bands(right, x, quant["weighted_balanced_triad_share"], st.PALETTE[2])
        if "balanced_triad_share" in quant:
            right.plot(x, quant["balanced_triad_share"]["mean"], color=st.SOFT, lw=1.0, ls="--")
        right.set_ylim(-0.02, 1.02)
        st.axis_labels(right, "share of triangles balanced")
        st.panel_title(right, "Structural balance", 12, loc="left", fontsize=9.5)
        for ax in (left, right):
            st.year_axis(ax, x)
            st.mark_events(ax, x, marks)
        grey = "#666666"
        right.legend(handles=[Patch(color=grey, alpha=0.18, label="90% of runs"),
                              Patch(color=grey, alpha=0.45, label="50% of runs"),
                              Line2D([], [], color=grey, lw=1.8, label="median"),
                              Line2D([], [], color=st.SOFT, lw=1.0, ls="--", label="every triangle once (mean)")],
                     loc="lower right", fontsize=7.2)
        return pg.fig


def _bands(ax, x, q: dict, colour: str) -> None:
    ax.fill_between(x, q["q05"], q["q95"], color=colour, alpha=0.18, lw=0)
    ax.fill_between(x, q["q25"], q["q75"], color=colour, alpha=0.40, lw=0)
    ax.plot(x, q["q50"], color=colour, lw=1.8)
