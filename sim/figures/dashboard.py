"""The dashboard's figures as PNG bytes, drawn with the shared style (sim.figures.style) and the
run figures' own code (sim.figures.analysis), so the page looks like `alignsim run`'s figures
folder. `r` is the page's computed result (sim.apps.dashboard.state.Result: scen, dates, q,
base_q, runs, seed, ens, mutual_at); `model` a Mesa AlignmentModel.

pyplot keeps global state and is not thread-safe; the page draws from worker threads
(one per browser session and task), so every drawing holds one lock.
"""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.core.pairs import mutual  # noqa: E402
from sim.figures import analysis, style  # noqa: E402
from sim.figures.fan import Fan, fan_chart  # noqa: E402
from sim.figures.matrix import pair_matrix  # noqa: E402
from sim.figures.style import DASH  # noqa: E402

LOCK = threading.Lock()
DPI = 96


def _png(fig, dpi=DPI) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    plt.close(fig)
    return buf.getvalue()


def scheduled(scen, steps: int) -> list[tuple[int, str]]:
    """(step, label) of the enabled scheduled shocks, as marked on the fan chart."""
    return [(int(s.at), s.label) for s in scen.shocks
            if s.enabled and s.at is not None and 0 < s.at <= steps]


def fan_png(r, pairs, t: int | None = None) -> bytes:
    """The fan chart of `alignsim run` (sim.figures.fan) for the selected pairs, with the base
    scenario's median dashed when the page has changes, and the page's chosen date as a red line.

    Parameters
    ----------
    r : the page's result.
    pairs : (actor id, actor id) per panel, three panels a row.
    t : the step of the page's chosen date, or None for no date line.
    """
    scen, pairs = r.scen, list(pairs)
    ids = list(scen.actor_ids)
    quant, base = {}, {} if r.base_q is not None else None
    for a, b in pairs:
        i, j = ids.index(a), ids.index(b)
        quant[(a, b)] = {c: r.q[k, :, i, j] for k, c in enumerate(("q05", "q25", "q50", "q75", "q95"))}
        if base is not None:
            base[(a, b)] = r.base_q[2, :, i, j]
    sub = (f"{scen.title}; {r.runs} runs, seed {r.seed}; median, 50% and 90% of runs"
           + ("; dashed: the base scenario's median (same seed)" if base is not None else "")
           + (f"; red: {scen.date(t)}" if t is not None else ""))
    with LOCK:
        fig = fan_chart(r.dates, quant, pairs, ids, scen.display, "How do the selected alignments evolve?", sub,
                        Fan(events=scheduled(scen, r.ens.steps), base=base, mark=t))
        return _png(fig)


def heatmap_png(r, t: int) -> bytes:
    """Who is aligned with whom at step t: medians, 90% ranges and shares beyond +-0.5 over runs."""
    scen = r.scen
    m = r.mutual_at(t)
    q05, med, q95 = np.quantile(m, (0.05, 0.5, 0.95), axis=0)
    shares = ((m > style.ALIGNED).mean(axis=0), (m < -style.ALIGNED).mean(axis=0))
    sub = f"{scen.title}; {r.runs} runs, seed {r.seed}; median, middle 90% of runs, shares aligned and opposed"
    with LOCK:
        fig = pair_matrix([scen.display[a] for a in scen.actor_ids], med, f"Who is aligned with whom in "
                          f"{scen.date(t)}?", sub, band=(q05, q95), shares=shares)
        return _png(fig)


def network_png(r, t: int) -> bytes:
    """The coalition network of the page's ensemble at step t (sim.figures.analysis)."""
    with LOCK:
        return _png(analysis.coalition_network(r.ens, t))


# ---------------------------------------------------------------- single run (Mesa)


def run_matrix_png(model) -> bytes:
    """Mutual alignment of one Mesa run at its current step, with the largest change this step."""
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
        fig = pair_matrix([names[a] for a in ids], m, f"Alignment in {model.date} (month {model.t})",
                          f"run {model.run_index}, seed {model.seed_value}{note}",
                          colour_label="mutual alignment (this run)")
        return _png(fig)


def run_trajectory_png(model, pairs) -> bytes:
    """The selected pairs' mutual alignment in this run so far, over the whole horizon."""
    scen = model.spec
    ids = model.actor_ids
    traj = mutual(model.trajectory().astype(np.float64))
    dates = [scen.date(t) for t in range(model.horizon + 1)]
    x = style.month_axis(dates)
    with LOCK, plt.rc_context(style.STYLE):
        pg = style.page(9.4, 2.6, f"This run so far (dotted: scheduled shocks; red: {model.date})",
                        margins=(0.75, 0.35, 2.0, 0.1))
        ax = pg.rect(0, 0, 6.65, 2.6)
        for a, b in pairs:
            i, j = ids.index(a), ids.index(b)
            ax.plot(x[:len(traj)], traj[:, i, j], color=style.pair_colour(ids, a, b), lw=1.8,
                    label=f"{model.names[a]} {DASH} {model.names[b]}")
        style.mark_events(ax, x, style.number_events(scheduled(scen, model.horizon)), numbers=False)
        ax.axhline(0, color="#444444", lw=0.6)
        ax.axvline(x[model.t], color="#CC6677", lw=1.0)
        ax.set_ylim(-1.02, 1.02)
        style.axis_labels(ax, "mutual alignment")
        style.year_axis(ax, x)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7.5)
        return _png(pg.fig)
