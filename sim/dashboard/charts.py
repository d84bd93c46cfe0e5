"""The page's figures as PNG bytes, drawn by the project's own figure code (sim/plot.py,
sim/analysis/figures.py) so the page looks like `alignsim run`'s figures folder.

pyplot keeps global state and is not thread-safe; the page draws from worker threads
(one per browser session and task), so every drawing holds one lock.
"""

from __future__ import annotations

import io
import tempfile
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .. import plot  # noqa: E402
from ..alignment import mutual  # noqa: E402
from ..analysis import figures  # noqa: E402
from . import state  # noqa: E402

LOCK = threading.Lock()
DPI = 96


def _png(fig, dpi=DPI) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def scheduled(scen, steps: int) -> list[tuple[int, str]]:
    """(step, label) of the enabled scheduled shocks, as marked on the fan chart."""
    return [(int(s.at), s.label) for s in scen.shocks
            if s.enabled and s.at is not None and 0 < s.at <= steps]


def fan_png(r: state.Result, pairs) -> bytes:
    """Small multiples of the selected pairs: median, 50% and 90% bands; the base
    scenario's median dashed when the page has changes."""
    scen = r.scen
    ids = list(scen.actor_ids)
    dates = r.dates
    quant = {}
    for a, b in pairs:
        i, j = ids.index(a), ids.index(b)
        quant[(a, b)] = {c: r.q[k, :, i, j] for k, c in enumerate(state.QCOLS)}
    changed = r.base_q is not None
    sub = (f"{r.runs} runs, seed {r.seed}; median, 50% and 90% of runs"
           + ("; dashed: the base scenario's median (same seed)" if changed else ""))
    with LOCK:
        fig = plot.fan_chart(dates, quant, list(pairs), ids, scen.display,
                             f"How do the selected alignments evolve? {state.DASH} {scen.title}", sub,
                             scheduled(scen, r.ens.steps))
        if changed:
            x = plot.month_axis(dates)
            for ax, (a, b) in zip(fig.axes, pairs):
                i, j = ids.index(a), ids.index(b)
                ax.plot(x, r.base_q[2, :, i, j], color="#222222", lw=1.0, ls=(0, (4, 2)),
                        label="base median", zorder=5)
            fig.axes[0].legend(loc="lower left", fontsize=7.5)
        return _png(fig)


def heatmap_png(r: state.Result, t: int) -> bytes:
    scen = r.scen
    med = np.median(r.mutual_at(t).astype(np.float64), axis=0)
    with LOCK:
        fig = plot.heatmap(med, [scen.display[a] for a in scen.actor_ids],
                           f"Who is aligned with whom in {scen.date(t)}?",
                           f"{scen.title}; median of {r.runs} runs, seed {r.seed}")
        return _png(fig)


def network_png(r: state.Result, t: int) -> bytes:
    """sim.analysis.figures.coalition_network (it writes files; we read back its PNG)."""
    with LOCK, tempfile.TemporaryDirectory(prefix="alignsim-net-") as d:
        paths = figures.coalition_network(r.ens, t, Path(d))
        png = next(p for p in paths if p.suffix == ".png")
        return png.read_bytes()


# ---------------------------------------------------------------- single run (Mesa)


def run_matrix_png(model) -> bytes:
    """Mutual alignment of one Mesa run at its current step, with the change this step."""
    scen = model.spec
    m = mutual(model.state.alignment[0].astype(np.float64))
    traj = model.trajectory()
    prev = mutual(traj[-2].astype(np.float64)) if len(traj) > 1 else m
    moved = np.abs(m - prev)
    np.fill_diagonal(moved, 0)
    k = np.unravel_index(np.argmax(moved), moved.shape)
    ids, names = model.actor_ids, model.names
    note = (f"largest move this month: {names[ids[k[0]]]} {state.DASH} {names[ids[k[1]]]} "
            f"{(m - prev)[k]:+.3f}" if moved[k] > 0 else "")
    with LOCK:
        fig = plot.heatmap(m, [names[a] for a in ids], f"Alignment in {model.date} (month {model.t})",
                           f"{scen.title}; run {model.run_index}, seed {model.seed_value}", note)
        return _png(fig)


def run_trajectory_png(model, pairs) -> bytes:
    """The selected pairs' mutual alignment in this run so far, over the whole horizon."""
    scen = model.spec
    ids = model.actor_ids
    traj = mutual(model.trajectory().astype(np.float64))
    dates = [scen.date(t) for t in range(model.horizon + 1)]
    x = plot.month_axis(dates)
    with LOCK, plt.rc_context(plot.STYLE):
        fig, ax = plt.subplots(figsize=(7.4, 3.3))
        for a, b in pairs:
            i, j = ids.index(a), ids.index(b)
            ax.plot(x[:len(traj)], traj[:, i, j], color=plot.pair_colour(ids, a, b), lw=1.8,
                    label=f"{model.names[a]} {state.DASH} {model.names[b]}")
        for step, label in scheduled(scen, model.horizon):
            ax.axvline(x[step], color="#555555", lw=0.6, ls=":")
        ax.axhline(0, color="#444444", lw=0.6)
        ax.axvline(x[model.t], color="#CC6677", lw=1.0)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(-1.02, 1.02)
        ax.set_ylabel("mutual alignment")
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7.5)
        ax.set_title(f"This run so far (dotted: scheduled shocks; red: {model.date})", fontsize=9.5, loc="left")
        fig.tight_layout()
        return _png(fig)
