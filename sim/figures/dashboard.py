"""The dashboard's figures as PNG bytes, drawn with the shared style (sim.figures.style) and the
run figures' own code (sim.figures.analysis), so the page looks like `alignsim run`'s figures
folder. `r` is the page's computed result (sim.apps.dashboard.state.Result: scen, dates, q,
base_q, runs, seed, ens, mutual_at); `model` a Mesa AlignmentModel.

pyplot keeps global state and is not thread-safe; the page draws from worker threads
(one per browser session and task), so every drawing holds one lock.
"""

from __future__ import annotations

import io
import tempfile
import textwrap
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.core.pairs import mutual  # noqa: E402
from sim.figures import analysis, style  # noqa: E402
from sim.figures.style import DASH  # noqa: E402

LOCK = threading.Lock()
DPI = 96


def _png(fig, dpi=DPI, tight: bool = True) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def scheduled(scen, steps: int) -> list[tuple[int, str]]:
    """(step, label) of the enabled scheduled shocks, as marked on the fan chart."""
    return [(int(s.at), s.label) for s in scen.shocks
            if s.enabled and s.at is not None and 0 < s.at <= steps]


def _events_by_step(events):
    by_step: dict[int, list[str]] = {}
    for step, label in events:
        by_step.setdefault(step, []).append(label)
    return sorted(by_step.items())


def _year_axis(ax, x) -> None:
    """The whole horizon on the x axis, labelled by year."""
    ax.set_xlim(x[0], x[-1])
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def _fan_panel(ax, r, x, pair, events, t: int | None) -> None:
    """One pair's panel: bands, median, the base median if changed, numbered shock lines, date line."""
    ids = list(r.scen.actor_ids)
    a, b = pair
    i, j = ids.index(a), ids.index(b)
    q = r.q[:, :, i, j]
    c = style.pair_colour(ids, a, b)
    ax.fill_between(x, q[0], q[4], color=c, alpha=0.18, lw=0, label="90% of runs")
    ax.fill_between(x, q[1], q[3], color=c, alpha=0.40, lw=0, label="50% of runs")
    ax.plot(x, q[2], color=c, lw=1.8, label="median")
    if r.base_q is not None:
        ax.plot(x, r.base_q[2, :, i, j], color="#222222", lw=1.0, ls=(0, (4, 2)),
                label="base median", zorder=5)
    ax.axhline(0, color="#444444", lw=0.6)
    for k, (step, _) in enumerate(events, 1):
        ax.axvline(x[step], color="#555555", lw=0.6, ls=":")
        ax.text(x[step], 1.01, str(k), transform=ax.get_xaxis_transform(), fontsize=6.5,
                ha="center", va="bottom", color="#555555")
    if t is not None:
        ax.axvline(x[t], color="#CC3311", lw=1.0, alpha=0.8)
    ax.set_title(f"{r.scen.display[a]} {DASH} {r.scen.display[b]}", pad=10)
    ax.set_ylim(-1.02, 1.02)
    _year_axis(ax, x)


def fan_png(r, pairs, t: int | None = None) -> bytes:
    """Small multiples of the selected pairs: median, 50% and 90% bands (as
    sim.figures.style.fan_chart, same colours and bands), the base scenario's median dashed
    when the page has changes, and the page's chosen date as a red line.

    Parameters
    ----------
    r : the page's result.
    pairs : (actor id, actor id) per panel, three panels a row.
    t : the step of the page's chosen date, or None for no date line.

    Drawn with a fixed layout rather than style.fan_chart's tight_layout, which takes about
    a second for five panels: the page must update within about two seconds.
    """
    scen, dates, pairs = r.scen, r.dates, list(pairs)
    events = _events_by_step(scheduled(scen, r.ens.steps))
    n = len(pairs)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    foot_lines = int(np.ceil(len(events) / 2))
    width = {1: 7.4, 2: 4.1}.get(cols, 3.55) * cols + 0.7
    sub = (f"{scen.title}; {r.runs} runs, seed {r.seed}; median, 50% and 90% of runs"
           + ("; dashed: the base scenario's median (same seed)" if r.base_q is not None else "")
           + (f"; red: {scen.date(t)}" if t is not None else ""))
    sub_lines = textwrap.wrap(sub, int(width * 15))
    head = 0.85 + 0.15 * (len(sub_lines) - 1)
    height = 2.2 * rows + head + 0.2 + 0.17 * foot_lines
    with LOCK, plt.rc_context(style.STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(width, height), sharex=True, sharey=True, squeeze=False)
        x = style.month_axis(dates)
        for ax, pair in zip(axes.flat, pairs):
            _fan_panel(ax, r, x, pair, events, t)
        for ax in axes[:, 0]:
            ax.set_ylabel("mutual alignment")
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        axes.flat[0].legend(loc="lower left", fontsize=7)
        fig.text(0.12 / width, 1 - 0.08 / height, "How do the selected alignments evolve?",
                 fontsize=12, fontweight="bold", va="top")
        fig.text(0.12 / width, 1 - 0.36 / height, "\n".join(sub_lines), fontsize=8.5,
                 color="#444444", va="top")
        if events:
            lines = [f"{k} {dates[step]} " + "; ".join(labels) for k, (step, labels) in enumerate(events, 1)]
            text = "\n".join("     ".join(lines[i:i + 2]) for i in range(0, len(lines), 2))
            fig.text(0.12 / width, 0.06 / height, "Scheduled shocks (dotted):\n" + text, fontsize=7.3,
                     color="#444444", va="bottom")
        fig.subplots_adjust(left=0.62 / width, right=1 - 0.25 / width, top=1 - head / height,
                            bottom=(0.45 + 0.17 * (foot_lines + 1 if events else 0)) / height,
                            wspace=0.14, hspace=0.42)
        return _png(fig, tight=False)


def heatmap_png(r, t: int) -> bytes:
    """The median over runs of mutual alignment at step t, as a heatmap."""
    scen = r.scen
    med = np.median(r.mutual_at(t).astype(np.float64), axis=0)
    with LOCK:
        fig = style.heatmap(med, [scen.display[a] for a in scen.actor_ids],
                            f"Who is aligned with whom in {scen.date(t)}?",
                            f"{scen.title}; median of {r.runs} runs, seed {r.seed}")
        return _png(fig)


def network_png(r, t: int) -> bytes:
    """sim.figures.analysis.coalition_network (it writes files; we read back its PNG)."""
    with LOCK, tempfile.TemporaryDirectory(prefix="alignsim-net-") as d:
        paths = analysis.coalition_network(r.ens, t, Path(d))
        png = next(p for p in paths if p.suffix == ".png")
        return png.read_bytes()


# ---------------------------------------------------------------- single run (Mesa)


def run_matrix_png(model) -> bytes:
    """Mutual alignment of one Mesa run at its current step, with the change this step."""
    m = mutual(model.state.alignment[:, :, 0].astype(np.float64))
    traj = model.trajectory()
    prev = mutual(traj[-2].astype(np.float64)) if len(traj) > 1 else m
    moved = np.abs(m - prev)
    np.fill_diagonal(moved, 0)
    k = np.unravel_index(np.argmax(moved), moved.shape)
    ids, names = model.actor_ids, model.names
    note = (f"; largest move: {names[ids[k[0]]]} {DASH} {names[ids[k[1]]]} {(m - prev)[k]:+.3f}"
            if moved[k] > 0 else "")
    with LOCK:
        fig = style.heatmap(m, [names[a] for a in ids], f"Alignment in {model.date} (month {model.t})",
                            f"run {model.run_index}, seed {model.seed_value}{note}")
        fig.axes[-1].set_ylabel("mutual alignment (this run)")   # the colourbar
        return _png(fig)


def run_trajectory_png(model, pairs) -> bytes:
    """The selected pairs' mutual alignment in this run so far, over the whole horizon."""
    scen = model.spec
    ids = model.actor_ids
    traj = mutual(model.trajectory().astype(np.float64))
    dates = [scen.date(t) for t in range(model.horizon + 1)]
    x = style.month_axis(dates)
    with LOCK, plt.rc_context(style.STYLE):
        fig, ax = plt.subplots(figsize=(7.4, 3.3))
        for a, b in pairs:
            i, j = ids.index(a), ids.index(b)
            ax.plot(x[:len(traj)], traj[:, i, j], color=style.pair_colour(ids, a, b), lw=1.8,
                    label=f"{model.names[a]} {DASH} {model.names[b]}")
        for step, label in scheduled(scen, model.horizon):
            ax.axvline(x[step], color="#555555", lw=0.6, ls=":")
        ax.axhline(0, color="#444444", lw=0.6)
        ax.axvline(x[model.t], color="#CC6677", lw=1.0)
        ax.set_ylim(-1.02, 1.02)
        ax.set_ylabel("mutual alignment")
        _year_axis(ax, x)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7.5)
        ax.set_title(f"This run so far (dotted: scheduled shocks; red: {model.date})", fontsize=9.5, loc="left")
        fig.tight_layout()
        return _png(fig)
