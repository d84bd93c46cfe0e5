"""Who is aligned with whom: a pair matrix of mutual alignment, each pair once (the lower
triangle), coloured by the median and annotated with the spread of the runs and the shares
beyond the +-0.5 thresholds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from sim.core.numbers import percent
from sim.figures import style as st


def pair_matrix(labels, median: np.ndarray, title: str, subtitle: str, band=None, shares=None,
                foot=(), colour_label: str = "median mutual alignment over runs"):
    """Mutual alignment of every pair as a triangle of cells.

    Parameters
    ----------
    labels : list of str
        Actor names, in matrix order.
    median : ndarray (n, n)
        Symmetric; its lower triangle is drawn.
    title, subtitle : str
    band : (ndarray, ndarray), optional
        The 5% and 95% quantiles over runs, (n, n) each: written as the 90% range.
    shares : (ndarray, ndarray), optional
        The shares of runs above +0.5 and below -0.5, (n, n) each.
    foot : list of str
        Footnote lines.
    colour_label : str
        The colour bar's label.

    Returns
    -------
    matplotlib Figure
    """
    n = len(labels)
    m = n - 1
    cell = min(1.25, 8.0 / max(m, 1))
    detail = cell >= 1.0 and (band is not None or shares is not None)
    with plt.rc_context({**st.STYLE, "axes.grid": False}):
        left = 0.25 + 0.075 * max(len(s) for s in labels)
        pg = st.page(left + m * cell + 1.3, m * cell, title, subtitle, list(foot),
                     margins=(left, 0.75, 1.3, 0.1))
        ax = pg.rect(0, 0, m * cell, m * cell)
        rows, cols = np.tril_indices(n, -1)
        shown = np.full((m, m), np.nan)
        shown[rows - 1, cols] = median[rows, cols]
        im = ax.imshow(shown, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
        for i, j in zip(rows, cols):
            v = median[i, j]
            ink = "white" if abs(v) > 0.55 else "black"
            ax.text(j, i - 1 - (0.2 if detail else 0), st.signed(v), ha="center", va="center", fontsize=10,
                    fontweight="bold", color=ink)
            if detail:
                ax.text(j, i - 1 + 0.2, _cell_note(i, j, band, shares), ha="center", va="center", fontsize=6.6,
                        color=ink, linespacing=1.3)
        ax.set_xticks(range(m), labels[:-1], rotation=30, ha="right")
        ax.set_yticks(range(m), labels[1:])
        ax.spines[:].set_visible(False)
        cax = pg.rect(m * cell + 0.3, 0, 0.16, m * cell)
        cb = pg.fig.colorbar(im, cax=cax)
        cb.set_label(colour_label)
        return pg.fig


def _cell_note(i: int, j: int, band, shares) -> str:
    """The small print of a cell: 90% range of the runs, and the shares beyond +-0.5."""
    lines = []
    if band is not None:
        lo, hi = band[0][i, j], band[1][i, j]
        lines.append(f"90%: {st.signed(lo)} to {st.signed(hi)}")
    if shares is not None:
        lines.append(f"aligned {percent(shares[0][i, j])}\nopposed {percent(shares[1][i, j])}")
    return "\n".join(lines)
