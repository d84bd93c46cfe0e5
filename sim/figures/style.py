"""The one style of every figure: colours, fonts, dates on time axes, numbered events, a fixed
page layout measured in inches, and saving as PNG (SVG or PDF on request).

Layouts are fixed rather than computed by `tight_layout` or `bbox_inches="tight"`: each of
those draws the whole figure once more to measure it, which made drawing the figures of a run
take longer than running the model. A `Page` reserves the header (title and subtitle, wrapped
to the width), the footer (notes) and the body in inches, so every figure of a kind has the
same proportions whatever its data.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers or CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.core import numbers  # noqa: E402

DASH = "\u2013"   # en dash between actor names: "Iran \u2013 China"
MINUS = "\u2212"
# Paul Tol's "muted" scheme plus grey: distinguishable under the common colour-vision deficiencies.
PALETTE = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
           "#DDCC77", "#CC6677", "#882255", "#AA4499", "#777777")
INK, SOFT, FAINT = "#222222", "#444444", "#777777"
STYLE = {
    "figure.dpi": 100, "savefig.dpi": 150, "font.size": 9.5, "axes.titlesize": 10.5,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.alpha": 0.25, "legend.frameon": False, "svg.fonttype": "none",
    "svg.hashsalt": "alignsim",   # stable SVG ids, so redrawn figures are byte-identical
    "axes.unicode_minus": True,
}
FORMATS = ("png", "svg", "pdf")
ALIGNED = 0.5   # the thresholds final.csv counts: aligned above +0.5, opposed below -0.5

TITLE_PT, SUB_PT, FOOT_PT = 12.0, 8.5, 7.5
MARKERS = ("o", "s", "D", "^", "v", "P")   # scenarios in the experiment figures
GREY, LIGHT = "#777777", "#BBBBBB"          # baselines and context


def pair_colour(actors, a: str, b: str) -> str:
    """The same pair gets the same colour in every figure of a scenario's actor set."""
    ids = list(actors)
    i, j = sorted((ids.index(a), ids.index(b)))
    n = len(ids)
    k = i * n - i * (i + 1) // 2 + (j - i - 1)   # index of (i, j) among i < j pairs
    return PALETTE[k % len(PALETTE)]


def month_axis(dates: list[str]) -> np.ndarray:
    """Month strings "YYYY-MM" as dates for a time axis."""
    return np.array([np.datetime64(d + "-01") for d in dates]).astype("datetime64[D]").astype(object)


def year_axis(ax, x, labels: bool = True) -> None:
    """The whole horizon on the x axis with a tick per year (labelled unless `labels` is False).

    The ticks are placed directly rather than by matplotlib's date locators, which search
    calendar rules on every draw."""
    ax.set_xlim(x[0], x[-1])
    years = [d for d in x if d.month == 1]
    ax.set_xticks(years, [str(d.year) for d in years] if labels else [])
    ax.tick_params(axis="x", labelbottom=labels)


def panel_title(ax, text: str, above: float = 21, **kw) -> None:
    """A panel's title `above` points over the axes, at a fixed place: matplotlib otherwise
    measures the tick labels on every draw to keep the title clear of them."""
    height = ax.get_position().height * ax.figure.get_figheight()
    ax.set_title(text, y=1.0 + above / (72 * height), pad=0, **kw)


def axis_labels(ax, ylabel: str = "", xlabel: str = "", left: float = 0.45, below: float = 0.32) -> None:
    """Axis labels at fixed distances (inches) from the axes, for the same reason."""
    pos = ax.get_position()
    if ylabel:
        ax.set_ylabel(ylabel)
        ax.yaxis.set_label_coords(-left / (pos.width * ax.figure.get_figwidth()), 0.5)
    if xlabel:
        ax.set_xlabel(xlabel)
        ax.xaxis.set_label_coords(0.5, -below / (pos.height * ax.figure.get_figheight()))


def signed(v: float, digits: int = 2) -> str:
    """A value with its sign (a true minus), and never "-0.00"; see sim.core.numbers.signed."""
    return numbers.signed(v, digits, MINUS)


# ------------------------------------------------------------------------ events


def number_events(events) -> list[tuple[int, str]]:
    """Scheduled events numbered 1, 2, ... in date order, one number each; events in the same
    month share a mark ("5,6"). Every figure numbers events this way.

    Parameters
    ----------
    events : list of (step, label)

    Returns
    -------
    list of (step, mark)
    """
    marks: dict[int, list[str]] = {}
    for k, (step, _) in enumerate(sorted(events, key=lambda e: e[0]), 1):
        marks.setdefault(step, []).append(str(k))
    return [(step, ",".join(nums)) for step, nums in sorted(marks.items())]


def event_key(events, dates) -> list[str]:
    """The footnote entries of numbered events: "1 Israeli strikes ... (2024-10)"."""
    return [f"{k} {label} ({dates[step]})" for k, (step, label) in enumerate(sorted(events, key=lambda e: e[0]), 1)]


def mark_events(ax, x, marks, numbers: bool = True) -> None:
    """Dotted lines at the events; their numbers above the axes, staggered when months are close."""
    prev, lift = None, 0
    for step, mark in marks:
        ax.axvline(x[step], color=FAINT, lw=0.6, ls=":", zorder=1)
        if not numbers:
            continue
        lift = 7 if prev is not None and step - prev <= 2 and lift == 0 else 0
        prev = step
        ax.annotate(mark, (x[step], 1.0), xycoords=("data", "axes fraction"), xytext=(0, 1 + lift),
                    textcoords="offset points", fontsize=6.5, ha="center", va="bottom", color=SOFT)


# ------------------------------------------------------------------------ layout


def wrap(text: str, width_in: float, pt: float) -> list[str]:
    """Text broken into lines that fit `width_in` inches at `pt` points (average glyph width)."""
    chars = max(20, int(width_in * 72 / (0.52 * pt)))
    return textwrap.wrap(text, chars) or [""]


def wrap_label(text: str, chars: int) -> str:
    """`text` broken into lines of at most `chars` characters (labels on axes)."""
    return "\n".join(textwrap.wrap(text, chars)) or text


def line_height(pt: float) -> float:
    """Inches per line of text at `pt` points."""
    return 1.3 * pt / 72


@dataclass
class Page:
    """A figure laid out in inches: header (title, subtitle), body (the axes) and footer (notes).

    Attributes
    ----------
    fig : matplotlib Figure
    width, height : float
        Inches.
    body : (left, bottom, right, top)
        The body's edges as figure fractions, for `subplots_adjust` or `add_axes`.
    """

    fig: object
    width: float
    height: float
    body: tuple[float, float, float, float]

    def rect(self, left: float, bottom: float, w: float, h: float):
        """Axes at (left, bottom) inches from the body's bottom-left corner, w x h inches."""
        l0, b0 = self.body[0] * self.width, self.body[1] * self.height
        return self.fig.add_axes(((l0 + left) / self.width, (b0 + bottom) / self.height,
                                  w / self.width, h / self.height))

    def key(self, handles, slot=None, fontsize: float = 7.5, ncol: int = 1, dy: float = 0.0) -> None:
        """The key of a grid of panels: in the free panel `slot` (left, bottom, w, h inches) when
        the grid leaves one, else in a row under the panels (`ncol` columns, `dy` lower)."""
        if slot is not None:
            ax = self.rect(*slot)
            ax.axis("off")
            ax.legend(handles=handles, loc="center left", fontsize=fontsize, title="Key", title_fontsize=8.5,
                      alignment="left")
        else:
            self.fig.legend(handles=handles, loc="lower left", ncol=ncol, fontsize=7.5,
                            bbox_to_anchor=(self.body[0], self.body[1] + dy))


def page(width: float, body_height: float, title: str, subtitle: str = "", foot: list[str] = (),
         margins: tuple[float, float, float, float] = (0.75, 0.45, 0.25, 0.1)) -> Page:
    """A new figure with its title, subtitle and footnote placed, and room left for the body.

    Parameters
    ----------
    width : float
        Inches.
    body_height : float
        Inches for the axes, without the margins.
    title, subtitle : str
        Wrapped to the width; the title is the question the figure answers.
    foot : list of str
        Footnote lines (each wrapped to the width), set in small type at the bottom.
    margins : (left, bottom, right, top)
        Inches around the body, inside the header and footer: room for tick labels and axis
        labels below and left, panel titles above.

    Returns
    -------
    Page
    """
    tl = wrap(title, width - 0.2, TITLE_PT)
    sl = wrap(subtitle, width - 0.2, SUB_PT) if subtitle else []
    fl = [ln for f in foot for ln in wrap(f, width - 0.2, FOOT_PT)]
    head = 0.12 + len(tl) * line_height(TITLE_PT) + len(sl) * line_height(SUB_PT) + 0.05
    feet = (0.1 + len(fl) * line_height(FOOT_PT)) if fl else 0.05
    left, bottom, right, top = margins
    height = head + top + body_height + bottom + feet
    fig = plt.figure(figsize=(width, height))
    x0 = 0.1 / width
    fig.text(x0, 1 - 0.1 / height, "\n".join(tl), fontsize=TITLE_PT, fontweight="bold", va="top", ha="left",
             color=INK)
    if sl:
        y = 1 - (0.1 + len(tl) * line_height(TITLE_PT) + 0.03) / height
        fig.text(x0, y, "\n".join(sl), fontsize=SUB_PT, va="top", ha="left", color=SOFT, linespacing=1.25)
    if fl:
        fig.text(x0, 0.06 / height, "\n".join(fl), fontsize=FOOT_PT, va="bottom", ha="left", color=SOFT,
                 linespacing=1.25)
    body = (left / width, (feet + bottom) / height, 1 - right / width, 1 - (head + top) / height)
    return Page(fig, width, height, body)


def grid(pg: Page, rows: int, cols: int, panel: tuple[float, float], gap: tuple[float, float]) -> list:
    """rows x cols axes of `panel` (w, h) inches with `gap` (horizontal, vertical) inches between
    them, filling the body from the top left; returned row by row."""
    w, h = panel
    gx, gy = gap
    axes = []
    for r in range(rows):
        for c in range(cols):
            axes.append(pg.rect(c * (w + gx), (rows - 1 - r) * (h + gy), w, h))
    return axes


def finish(fig, title: str, subtitle: str, bottom: float = 0.0) -> None:
    """Title (the question, bold) and subtitle (what was run) at the top-left of a figure whose
    axes were made by `plt.subplots`, and the axes laid out below them in one `tight_layout`
    pass (the experiment figures' y labels are outcome descriptions of any length).

    Parameters
    ----------
    fig : matplotlib Figure
    title, subtitle : str
    bottom : float
        Figure fraction kept free at the bottom (for a legend).
    """
    w, h = fig.get_figwidth(), fig.get_figheight()
    tl, sl = wrap(title, w - 0.2, TITLE_PT), wrap(subtitle, w - 0.2, SUB_PT)
    fig.text(0.1 / w, 1 - 0.1 / h, "\n".join(tl), fontsize=TITLE_PT, fontweight="bold", va="top", ha="left",
             color=INK)
    sub_top = 1 - (0.13 + len(tl) * line_height(TITLE_PT)) / h
    fig.text(0.1 / w, sub_top, "\n".join(sl), fontsize=SUB_PT, va="top", ha="left", color=SOFT, linespacing=1.25)
    fig.tight_layout(rect=(0, bottom, 1, sub_top - (len(sl) * line_height(SUB_PT) + 0.1) / h))


def save(fig, folder: Path, stem: str, formats=("png",)) -> list[Path]:
    """Write the figure as folder/stem.png (and .svg or .pdf when asked) and close it.

    Parameters
    ----------
    fig : matplotlib Figure
    folder : Path
        Created when missing.
    stem : str
    formats : sequence of str
        From FORMATS, in the order written.

    Returns
    -------
    list of Path
        The files written. The same figure gives the same bytes every time (no dates, stable
        SVG ids), so `alignsim plot` redraws a folder identically.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    meta = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "Producer": None}}
    for ext in formats:
        p = folder / f"{stem}.{ext}"
        with plt.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"], "svg.fonttype": "none"}):
            # PNG compression level 3: a third of the default's time, files about a tenth larger
            fig.savefig(p, dpi=STYLE["savefig.dpi"], metadata=meta[ext],
                        **({"pil_kwargs": {"compress_level": 3}} if ext == "png" else {}))
        out.append(p)
    plt.close(fig)
    return out
