"""Fan charts: small multiples of actor pairs over time, with the median, the 50% and 90% bands
of the runs, the numbered scheduled events and the +-0.5 thresholds that the tables count.

One function serves the run's fan chart, the experiment's difference charts and the
dashboard, so they share layout, numbering and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.figures import style as st

PANEL_W = {1: 7.0, 2: 4.4}   # inches per panel by columns; 3.4 for three
PANEL_H = 2.0
GAP = (0.5, 0.7)


@dataclass
class Fan:
    """What a fan chart shows besides the bands.

    Attributes
    ----------
    events : list of (step, label)
        Scheduled events, drawn as numbered dotted lines and listed in the footnote.
    ylabel : str
    ylim : (low, high)
    thresholds : bool
        Dashed lines at +-0.5, the "aligned" and "opposed" thresholds of the tables.
    base : dict, optional
        (a, b) -> median over steps of a reference (the unchanged scenario), drawn dashed.
    base_label : str
    mark : int, optional
        A step marked by a red line (the dashboard's chosen date).
    notes : list of str
        More footnote lines, after the events.
    """

    events: list = field(default_factory=list)
    ylabel: str = "mutual alignment"
    ylim: tuple[float, float] = (-1.02, 1.02)
    thresholds: bool = True
    base: dict | None = None
    base_label: str = "median of the unchanged scenario"
    mark: int | None = None
    notes: list = field(default_factory=list)


def fan_chart(dates, quant: dict, pairs, actors, names, title: str, subtitle: str, opts: Fan | None = None):
    """Small multiples, one panel per pair, three to a row; the key takes the first free panel.

    Parameters
    ----------
    dates : list of "YYYY-MM"
        One per step.
    quant : dict
        (a, b) -> {"q05", "q25", "q50", "q75", "q95"} arrays over steps.
    pairs : list of (a, b)
    actors : list of str
        Actor ids, for the pair colours.
    names : dict
        Display names by id.
    title, subtitle : str
    opts : Fan, optional

    Returns
    -------
    matplotlib Figure
    """
    opts = opts or Fan()
    n = len(pairs)
    cols = min(n, 3)
    rows = -(-n // cols)
    free = rows * cols > n
    w = PANEL_W.get(cols, 3.4)
    legend_row = 0.0 if free else 0.45
    foot = ["Events (dotted lines): " + ";  ".join(st.event_key(opts.events, dates))] if opts.events else []
    body = rows * PANEL_H + (rows - 1) * GAP[1] + legend_row
    with plt.rc_context(st.STYLE):
        pg = st.page(0.75 + cols * w + (cols - 1) * GAP[0] + 0.25, body, title, subtitle, foot + list(opts.notes),
                     margins=(0.75, 0.3, 0.25, 0.5))
        x = st.month_axis(dates)
        marks = st.number_events(opts.events)
        for k, (a, b) in enumerate(pairs):
            r, c = divmod(k, cols)
            ax = pg.rect(c * (w + GAP[0]), legend_row + (rows - 1 - r) * (PANEL_H + GAP[1]), w, PANEL_H)
            _panel(ax, x, quant[(a, b)], st.pair_colour(actors, a, b), opts, marks,
                   None if opts.base is None else opts.base.get((a, b)))
            st.panel_title(ax, f"{names[a]} {st.DASH} {names[b]}")
            st.year_axis(ax, x, labels=k + cols >= n)
            if c == 0:
                st.axis_labels(ax, opts.ylabel)
            else:
                ax.tick_params(axis="y", labelleft=False)
        handles = _key(opts)
        r, c = divmod(n, cols)
        pg.key(handles, (c * (w + GAP[0]), (rows - 1 - r) * (PANEL_H + GAP[1]), w, PANEL_H) if free else None,
               fontsize=7.8, ncol=min(len(handles), 4), dy=-0.02)
        return pg.fig


def _panel(ax, x, q: dict, colour: str, opts: Fan, marks, base=None) -> None:
    """One pair: bands, median, thresholds, the base median (if given), events and the marked date."""
    ax.fill_between(x, q["q05"], q["q95"], color=colour, alpha=0.18, lw=0)
    ax.fill_between(x, q["q25"], q["q75"], color=colour, alpha=0.40, lw=0)
    ax.plot(x, q["q50"], color=colour, lw=1.8)
    ax.axhline(0, color=st.SOFT, lw=0.6)
    if opts.thresholds:
        for y in (st.ALIGNED, -st.ALIGNED):
            ax.axhline(y, color=st.FAINT, lw=0.7, ls=(0, (5, 3)), zorder=1)
    if base is not None:
        ax.plot(x, base, color=st.INK, lw=1.0, ls=(0, (4, 2)), zorder=5)
    st.mark_events(ax, x, marks)
    if opts.mark is not None:
        ax.axvline(x[opts.mark], color="#CC3311", lw=1.0, alpha=0.8)
    ax.set_ylim(*opts.ylim)


def _key(opts: Fan) -> list:
    """Legend handles for what the panels show."""
    grey = "#666666"
    handles = [Patch(color=grey, alpha=0.18, label="90% of runs"), Patch(color=grey, alpha=0.45, label="50% of runs"),
               Line2D([], [], color=grey, lw=1.8, label="median")]
    if opts.thresholds:
        handles.append(Line2D([], [], color=st.FAINT, lw=0.7, ls=(0, (5, 3)),
                              label=f"{st.MINUS}0.5 / +0.5: opposed / aligned"))
    if opts.base is not None:
        handles.append(Line2D([], [], color=st.INK, lw=1.0, ls=(0, (4, 2)), label=opts.base_label))
    if opts.events:
        handles.append(Line2D([], [], color=st.FAINT, lw=0.6, ls=":", label="scheduled event (numbered)"))
    if opts.mark is not None:
        handles.append(Line2D([], [], color="#CC3311", lw=1.0, label="chosen date"))
    return handles
