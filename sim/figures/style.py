"""Figures: one style, one colour per actor pair, dates on the axes, PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers or CI
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Paul Tol's "muted" scheme plus grey: distinguishable under the common colour-vision deficiencies.
DASH = "\u2013"   # en dash between actor names: "Iran \u2013 China"
PALETTE = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
           "#DDCC77", "#CC6677", "#882255", "#AA4499", "#777777")
STYLE = {
    "figure.dpi": 110, "savefig.dpi": 160, "font.size": 9.5, "axes.titlesize": 10.5,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.alpha": 0.25, "legend.frameon": False, "svg.fonttype": "none",
    "svg.hashsalt": "alignsim",   # stable SVG ids, so redrawn figures are byte-identical
}


def pair_colour(actors, a: str, b: str) -> str:
    """The same pair gets the same colour in every figure of a scenario's actor set."""
    ids = list(actors)
    i, j = sorted((ids.index(a), ids.index(b)))
    n = len(ids)
    k = i * n - i * (i + 1) // 2 + (j - i - 1)   # index of (i, j) among i < j pairs
    return PALETTE[k % len(PALETTE)]


def month_axis(dates: list[str]) -> np.ndarray:
    return np.array([np.datetime64(d + "-01") for d in dates]).astype("datetime64[D]").astype(object)


def save(fig, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in ("png", "svg"):
        p = folder / f"{stem}.{ext}"
        with plt.rc_context({"svg.hashsalt": STYLE["svg.hashsalt"], "svg.fonttype": "none"}):
            fig.savefig(p, bbox_inches="tight", metadata={"Date": None} if ext == "svg" else {"Software": None})
        out.append(p)
    plt.close(fig)
    return out


def fan_chart(dates, quant: dict, pairs, actors, names, title: str, subtitle: str,
              events=(), ylabel="mutual alignment"):
    """Small multiples, one panel per pair: median, 50% and 90% bands.

    quant[(a, b)] -> dict of arrays q05, q25, q50, q75, q95 over steps."""
    with plt.rc_context(STYLE):
        n = len(pairs)
        cols = min(n, 3)
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.7 * rows + 0.6), sharex=True,
                                 sharey=True, squeeze=False)
        x = month_axis(dates)
        for ax, (a, b) in zip(axes.flat, pairs):
            q = quant[(a, b)]
            c = pair_colour(actors, a, b)
            ax.fill_between(x, q["q05"], q["q95"], color=c, alpha=0.18, lw=0, label="90% of runs")
            ax.fill_between(x, q["q25"], q["q75"], color=c, alpha=0.40, lw=0, label="50% of runs")
            ax.plot(x, q["q50"], color=c, lw=1.8, label="median")
            ax.axhline(0, color="#444444", lw=0.6)
            for step, label in events:
                ax.axvline(x[step], color="#555555", lw=0.6, ls=":")
            ax.set_title(f"{names[a]} – {names[b]}", pad=18)
            ax.set_ylim(-1.02, 1.02)
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
        for ax in axes[:, 0]:
            ax.set_ylabel(ylabel)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        axes.flat[0].legend(loc="lower left", fontsize=7.5)
        # number the scheduled events on every panel and list them once, below
        for ax in axes.flat[:n]:
            groups: dict[int, list[str]] = {}
            for k, (step, _) in enumerate(events, 1):
                groups.setdefault(step, []).append(str(k))
            prev, lift = None, 0
            for step, nums in sorted(groups.items()):
                # events a month or two apart would print over each other: stagger them
                lift = 7 if prev is not None and step - prev <= 2 and lift == 0 else 0
                prev = step
                ax.annotate(",".join(nums), (x[step], 1.0), xycoords=("data", "axes fraction"), fontsize=6.5,
                            ha="center", va="bottom", color="#555555", xytext=(0, lift),
                            textcoords="offset points")
        bottom = 0.0
        if events:
            lines = [f"{k} {label} ({dates[step]})" for k, (step, label) in enumerate(events, 1)]
            per_row = 3
            text = "\n".join("     ".join(lines[i:i + per_row]) for i in range(0, len(lines), per_row))
            bottom = 0.035 * (1 + len(lines) // per_row) + 0.02
            fig.text(0.01, 0.01, "Events (dotted lines): " + text, fontsize=7.5, color="#444444", va="bottom")
        top = 0.9 if rows > 1 else 0.84
        fig.suptitle(title, fontsize=12, x=0.01, y=0.995, ha="left", fontweight="bold")
        fig.text(0.01, top + 0.045, subtitle, fontsize=8.5, ha="left", color="#444444")
        fig.tight_layout(rect=(0, bottom, 1, top))
        return fig


def heatmap(matrix: np.ndarray, labels, title: str, subtitle: str, note: str = ""):
    """Symmetric matrix in [-1, 1] with values written in the cells."""
    with plt.rc_context({**STYLE, "axes.grid": False}):
        n = len(labels)
        fig, ax = plt.subplots(figsize=(1.0 * n + 2.6, 0.85 * n + 1.6))
        shown = np.where(np.eye(n, dtype=bool), np.nan, matrix)
        im = ax.imshow(shown, cmap="RdBu", vmin=-1, vmax=1)
        ax.set_xticks(range(n), labels, rotation=30, ha="right")
        ax.set_yticks(range(n), labels)
        for i in range(n):
            for j in range(n):
                if i != j:
                    v = matrix[i, j]
                    ax.text(j, i, f"{v:+.2f}", ha="center", va="center", fontsize=8.5,
                            color="white" if abs(v) > 0.55 else "black")
        cb = fig.colorbar(im, ax=ax, shrink=0.8)
        cb.set_label("mutual alignment (median over runs)")
        ax.set_title(title + "\n", fontsize=11, fontweight="bold", loc="left")
        ax.text(0, 1.02, subtitle, transform=ax.transAxes, fontsize=8.5, color="#444444")
        if note:
            fig.text(0.01, 0.01, note, fontsize=7.5, color="#555555")
        fig.tight_layout()
        return fig
