"""Layout shared by the experiment figures: a wrapped title and subtitle at the top-left, the
axes below them, and the markers and greys that mark scenarios and baselines.

Colours, fonts and saving are in `sim.figures.style`; this adds what the experiment figures
need on top.
"""

from __future__ import annotations

import textwrap

MARKERS = ("o", "s", "D", "^", "v", "P")
GREY = "#777777"
LIGHT = "#BBBBBB"


def wrap(text: str, width: int) -> str:
    """`text` broken into lines of at most `width` characters."""
    return "\n".join(textwrap.wrap(text, width)) or text


def finish(fig, title: str, subtitle: str, bottom: float = 0.0) -> None:
    """Title (the question, bold) and subtitle (what was run) at the top-left, wrapped to the
    figure's width, and the axes laid out below them."""
    t, st, tl, sl, h = _wrapped(fig, title, subtitle)
    fig.suptitle(t, fontsize=12, x=0.01, y=1 - 0.08 / h, ha="left", va="top", fontweight="bold")
    sub_top = 1 - (0.14 + 0.23 * tl) / h
    fig.text(0.01, sub_top, st, fontsize=8.3, ha="left", va="top", color="#444444")
    fig.tight_layout(rect=(0, bottom, 1, sub_top - (0.16 * sl + 0.08) / h))


def reheader(fig, title: str, subtitle: str) -> None:
    """Give a fan chart from sim.figures.style room for a wrapped title and subtitle."""
    t, st, tl, sl, h = _wrapped(fig, title, subtitle)
    for txt in fig.texts:
        if txt.get_text() == subtitle:
            txt.set_visible(False)
    fig._suptitle.set_text(t)
    sub_top = 1 - (0.1 + 0.24 * tl) / h
    fig.text(0.01, sub_top, st, fontsize=8.3, ha="left", va="top", color="#444444")
    fig.subplots_adjust(top=sub_top - (0.17 * sl + 0.45) / h)


def pct(x: float) -> str:
    """A share as a percentage: one decimal below 10%, none above."""
    return f"{x:.0%}" if abs(x) >= 0.1 or x == 0 else f"{x:.1%}"


def _wrapped(fig, title: str, subtitle: str) -> tuple[str, str, int, int, float]:
    """Title and subtitle wrapped to the figure's width, their line counts, and its height."""
    w, h = fig.get_figwidth(), fig.get_figheight()
    t = wrap(title, int(w * 8.6))
    st = wrap(subtitle, int(w * 15.5))
    return t, st, t.count("\n") + 1, st.count("\n") + 1, h
