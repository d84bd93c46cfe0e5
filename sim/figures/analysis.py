"""Coalition and balance figures, in the style of sim/plot.py (PNG + SVG).

balance_fan        polarization and balanced-triad share over time: median, 50% and 90% bands
coalition_network  actors on a circle at one date: edges coloured by sign (and dashed when
                   negative, so the sign survives greyscale and colour-vision deficiencies),
                   width by |median mutual alignment|; nodes coloured by their side in the
                   modal (most frequent) landscape-theory coalition structure, sized by
                   median military share.

draw_analysis_figures(out_dir) draws both from the saved files of a result folder only
(manifest.json, balance.csv, coalitions.csv, quantiles.csv and, if present, ensemble.npz for
node sizes), so `alignsim plot DIR` can redraw them byte-identically without the ensemble in
memory. balance_fan(e, ...) and coalition_network(e, ...) draw the same figures from an
in-memory Ensemble; both routes share the drawing code below.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from sim.figures import style as plot
from sim.core.pairs import code_to_sides, mutual
from sim.analysis import coalitions as co

POSITIVE = "#4477AA"  # Paul Tol bright blue
NEGATIVE = "#CC6677"  # Tol muted rose; negative edges are also dashed
SIDE_COLOURS = ("#332288", "#DDCC77")  # Tol indigo / sand: far apart in lightness too
SIDE_TEXT = ("white", "black")


# ------------------------------------------------------------------ drawing (shared)


def _draw_balance_fan(dates, quant, n_actors: int, events, title: str, runs, seed, folder,
                      stem: str) -> list[Path]:
    """quant[metric] -> {'q05', ..., 'q95'} arrays over `dates` (one per step); events
    [(step, label)] of scheduled shocks."""
    x = plot.month_axis(list(dates))
    n = n_actors
    panels = [
        ("polarization", "polarization (leading-eigenvalue share)", plot.PALETTE[0],
         "1 = two perfectly opposed blocs; 1/n = no structure"),
        ("weighted_balanced_triad_share", "balanced-triad share (weighted)", plot.PALETTE[2],
         "share of |a_ij a_jk a_ki| in balanced triads"),
    ]
    with plt.rc_context(plot.STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(10.2, 3.9), sharex=True)
        for ax, (key, ylabel, c, note) in zip(axes, panels):
            q = quant[key]
            ax.fill_between(x, q["q05"], q["q95"], color=c, alpha=0.18, lw=0, label="90% of runs")
            ax.fill_between(x, q["q25"], q["q75"], color=c, alpha=0.40, lw=0, label="50% of runs")
            ax.plot(x, q["q50"], color=c, lw=1.8, label="median")
            if key == "weighted_balanced_triad_share":
                u = quant["balanced_triad_share"]["q50"]
                ax.plot(x, u, color="#444444", lw=1.0, ls="--", label="median, unweighted")
                ax.set_ylim(-0.02, 1.02)
            else:
                ax.axhline(1 / n, color="#444444", lw=0.6)
                ax.text(x[-1], 1 / n + 0.015, f"1/n = {1 / n:.2f}", fontsize=7, ha="right",
                        va="bottom", color="#444444")
                ax.set_ylim(0, 1.02)
            for step, _ in events:
                ax.axvline(x[step], color="#777777", lw=0.6, ls=":")
            ax.set_ylabel(ylabel)
            ax.set_title(note, fontsize=8.5, color="#444444", loc="left", pad=12)
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
            ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.28 if key == "polarization" else 0.0),
                      fontsize=7.5)
        keys = _mark_events(axes, x, events)
        fig.suptitle(f"Is the system polarizing into two blocs? — {title}",
                     fontsize=12, x=0.01, ha="left", fontweight="bold")
        fig.text(0.01, 0.885, f"{runs} runs, seed {seed}; mutual alignment of "
                 f"{n} actors; median, 50% and 90% bands over runs; "
                 "dotted lines: scheduled shocks", fontsize=8.5, ha="left", color="#444444")
        rows = [keys[k:k + 3] for k in range(0, len(keys), 3)]
        foot = "\n".join("     ".join(r) for r in rows)
        nfoot = len(rows)
        if foot:
            fig.text(0.01, 0.01, "Scheduled shocks: " + foot, fontsize=7.2, color="#555555", va="bottom")
        fig.tight_layout(rect=(0, 0.035 * nfoot + 0.01, 1, 0.87))
        return plot.save(fig, Path(folder), stem)


def _mark_events(axes, x, events) -> list[str]:
    """Number the scheduled shocks above each panel; returns the keys for a footnote."""
    by_step: dict[int, list[str]] = {}
    for step, label in events:
        by_step.setdefault(step, []).append(label)
    keys = []
    for k, (step, labels) in enumerate(sorted(by_step.items()), 1):
        for ax in axes:
            ax.annotate(str(k), (x[step], 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                        ha="center", va="bottom", color="#555555", xytext=(0, 1),
                        textcoords="offset points")
        keys.append(f"{k} {x[step]:%Y-%m} " + "; ".join(labels))
    return keys


def _draw_network(date: str, ids, names: dict, sides, med, size, ranked, title: str, runs, seed,
                  folder, stem: str) -> list[Path]:
    """med (n, n) median mutual alignment; size (n,) military shares or None (equal nodes);
    sides (n,) of the modal structure; ranked [(label, Proportion)] most frequent first."""
    n = len(ids)
    sides = np.asarray(sides)
    equal = size is None
    if equal:
        size = np.full(n, 1.0 / n)
    # circle, first actor at the top; the modal coalitions on opposite halves
    order = [i for i in range(n) if sides[i] == 0] + [i for i in range(n) if sides[i] == 1]
    ang = np.pi / 2 + 2 * np.pi * np.arange(n) / n
    pos = {order[k]: np.array([np.cos(ang[k]), np.sin(ang[k])]) for k in range(n)}
    with plt.rc_context({**plot.STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(7.2, 6.0))
        for i in range(n):
            for j in range(i + 1, n):
                v = med[i, j]
                if abs(v) < 0.05:
                    continue
                (x0, y0), (x1, y1) = pos[i], pos[j]
                ax.plot([x0, x1], [y0, y1], color=POSITIVE if v > 0 else NEGATIVE,
                        lw=0.6 + 7.0 * abs(v), ls="-" if v > 0 else (0, (4, 2.5)),
                        alpha=0.85, zorder=1, solid_capstyle="round")
                mx, my = (x0 + x1) / 2, (y0 + y1) / 2
                ax.text(mx, my, f"{v:+.2f}", fontsize=8, ha="center", va="center", zorder=3,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
        for i in range(n):
            px, py = pos[i]
            r = 0.11 + 0.22 * np.sqrt(size[i])
            ax.add_patch(plt.Circle((px, py), r, color=SIDE_COLOURS[sides[i]], zorder=4,
                                    ec="white", lw=1.5))
            label = names[ids[i]] if len(names[ids[i]]) <= 8 else names[ids[i]].replace(" ", "\n", 1)
            ax.text(px, py, label, ha="center", va="center", zorder=5, fontsize=8.8,
                    color=SIDE_TEXT[sides[i]], fontweight="bold")
        ax.set_xlim(-1.5, 1.5)
        ax.set_ylim(-1.1, 1.3)
        ax.set_aspect("equal")
        ax.axis("off")
        fig.suptitle(f"Which coalitions form by {date}?", fontsize=12, fontweight="bold", x=0.02, ha="left")
        head = f"{title}; {runs} runs, seed {seed}"
        # without per-run military data the nodes cannot show size; say so rather than imply it
        lines = [head + ("; nodes equal-sized (no per-run military data saved)." if equal else "."),
                 "Landscape theory per run: size = military share, propensity = mutual alignment."]
        for k, (label, pr) in enumerate(ranked, 1):
            lines.append(f"{'modal' if k == 1 else f'#{k}'}: {label}  "
                         f"{pr.p:.0%} of runs (95% CI {pr.low:.0%}–{pr.high:.0%})")
        fig.text(0.02, 0.02, "\n".join(lines), fontsize=7.8, color="#333333", va="bottom")
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
        handles = [Line2D([], [], color=POSITIVE, lw=3, label="aligned (median > 0)"),
                   Line2D([], [], color=NEGATIVE, lw=3, ls=(0, (4, 2.5)), label="opposed (median < 0)"),
                   Patch(color=SIDE_COLOURS[0], label="modal coalition A"),
                   Patch(color=SIDE_COLOURS[1], label="modal coalition B")]
        if not sides.any():
            handles = handles[:3]
            handles[2] = Patch(color=SIDE_COLOURS[0], label="modal: one coalition")
        ax.legend(handles=handles, loc="upper right", fontsize=7.5, bbox_to_anchor=(1.05, 1.02))
        fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.1)
        return plot.save(fig, Path(folder), stem)


# ------------------------------------------------------------- from an in-memory ensemble


def _events(e):
    out = []
    for s in e.scenario.shocks:
        at = getattr(s, "at", None)
        if at is not None and 0 < at <= e.steps:
            out.append((int(at), s.label))
    return out


def balance_fan(e, folder, quant=None, stem: str = "balance_fan") -> list[Path]:
    """Two panels over time: polarization, and the weighted balanced-triad share (with the
    unweighted median dashed)."""
    if quant is None:
        quant = co.metric_quantiles(co.balance_metrics(e))
    dates = [e.scenario.date(t) for t in range(e.steps + 1)]
    return _draw_balance_fan(dates, quant, len(e.scenario.actor_ids), _events(e), e.scenario.title,
                             e.runs, e.seed, folder, stem)


def coalition_network(e, step, folder, coalitions=None, stem: str = "coalition_network") -> list[Path]:
    """Median mutual alignment at `step` (int or 'YYYY-MM') as a signed network, nodes
    coloured by the modal global-minimum coalition structure of the runs."""
    t = co.step_of(e, step)
    ids = list(e.scenario.actor_ids)
    names = e.scenario.display
    if coalitions is None or t not in coalitions.steps.tolist():
        coalitions = co.coalition_structure(e, [t])
    ranked = co.frequent_structures(e, t, top=3, coalitions=coalitions, names=names)
    sides = code_to_sides(ranked[0][1], len(ids))
    med = np.median(mutual(e.alignment[:, t].astype(np.float64)), axis=0)
    size = np.median(co.sizes(e, [t])[:, 0], axis=0)
    return _draw_network(e.scenario.date(t), ids, names, sides, med, size,
                         [(label, pr) for label, _, pr in ranked], e.scenario.title, e.runs, e.seed,
                         folder, stem)


# ------------------------------------------------------------------ from a result folder


def _read_rows(path: Path):
    with path.open(newline="") as fh:
        yield from csv.DictReader(fh)


def _folder_events(man: dict, dates: list[str]) -> list[tuple[int, str]]:
    """Scheduled shocks inside (start, horizon], as (step, label)."""
    out = []
    for s in man.get("shocks", []):
        at = s.get("at")
        if at in dates and at != dates[0]:
            out.append((dates.index(at), s["label"]))
    return out


def _load_balance(path: Path):
    """(dates over steps, metric -> {'mean', 'q05', ..., 'q95'} arrays) from balance.csv."""
    by_step: dict[int, str] = {}
    table: dict[str, dict[int, dict[str, float]]] = {}
    cols = ("mean", *co.QCOLS)
    for row in _read_rows(path):
        t = int(row["step"])
        by_step[t] = row["date"]
        table.setdefault(row["metric"], {})[t] = {c: float(row[c]) for c in cols}
    steps = sorted(by_step)
    if steps != list(range(len(steps))):
        raise ValueError(f"{path}: expected one row per step 0..T for every metric")
    quant = {}
    for metric, per in table.items():
        if sorted(per) != steps:
            raise ValueError(f"{path}: metric {metric!r} lacks some steps")
        quant[metric] = {c: np.array([per[t][c] for t in steps]) for c in cols}
    return [by_step[t] for t in steps], quant


def _median_mutual(path: Path, step: int, ids: list[str]) -> np.ndarray:
    """(n, n) symmetric median mutual alignment at `step` from quantiles.csv (q50 of 'mutual')."""
    idx = {a: k for k, a in enumerate(ids)}
    n = len(ids)
    med = np.full((n, n), np.nan)
    np.fill_diagonal(med, 0.0)
    key = str(step)
    for row in _read_rows(path):
        if row["step"] != key or row["measure"] != "mutual":
            continue
        i, j = idx[row["from"]], idx[row["to"]]
        med[i, j] = med[j, i] = float(row["q50"])
    if np.isnan(med).any():
        raise ValueError(f"{path}: missing mutual rows at step {step}")
    return med


def _median_military_share(path: Path, step: int, ids: list[str]) -> np.ndarray | None:
    """Median over runs of military capability shares at `step` from ensemble.npz, or None when
    the file or its 'military' array is absent (summary-only folders)."""
    if not path.exists():
        return None
    with np.load(path) as z:
        if "military" not in z.files:
            return None
        m = z["military"][:, step].astype(np.float64)  # (R, N)
        if "actors" in z.files:
            saved = [str(a) for a in z["actors"]]
            if saved != ids:
                m = m[:, [saved.index(a) for a in ids]]
    if m.ndim != 2 or m.shape[1] != len(ids) or not np.all(m > 0):
        return None
    return np.median(m / m.sum(axis=-1, keepdims=True), axis=0)


def _read_structures(path: Path):
    """step -> (date, [(rank, code, count, runs)]) from the structure rows of coalitions.csv."""
    out: dict[int, tuple[str, list]] = {}
    for row in _read_rows(path):
        if row["kind"] != "structure":
            continue
        t = int(row["step"])
        out.setdefault(t, (row["date"], []))[1].append(
            (int(row["rank"]), int(row["code"]), int(row["count"]), int(row["runs"])))
    for _, rows in out.values():
        rows.sort()
    return out


def draw_analysis_figures(out_dir: Path, date: str | None = None) -> list[Path]:
    """Redraw figures/balance_fan.{png,svg} and figures/coalition_network.{png,svg} from the
    saved files of a result folder only.

    Reads manifest.json, balance.csv, coalitions.csv and quantiles.csv; node sizes come from
    the 'military' array of ensemble.npz when present, else the nodes are drawn equal-sized.
    The network is drawn at `date` ('YYYY-MM', one of the steps reported in coalitions.csv:
    step 0, every 12 months and the horizon); default the last reported step. Returns the
    written paths (balance fan first). Same inputs give byte-identical files."""
    out = Path(out_dir)
    man = json.loads((out / "manifest.json").read_text())
    ids = [str(a) for a in man["actors"]]
    names = dict(zip(ids, man.get("names") or ids))
    title = man.get("scenario", {}).get("title", "")
    runs, seed = man.get("runs", "?"), man.get("seed", "?")
    runs = f"{runs:,}" if isinstance(runs, int) else runs   # 300,000 runs, as a reader writes it
    folder = out / "figures"

    dates, quant = _load_balance(out / "balance.csv")
    paths = _draw_balance_fan(dates, quant, len(ids), _folder_events(man, dates), title, runs, seed,
                              folder, "balance_fan")

    structures = _read_structures(out / "coalitions.csv")
    if not structures:
        raise ValueError(f"{out / 'coalitions.csv'} has no structure rows")
    reported = {d: t for t, (d, _) in structures.items()}
    if date is None:
        t = max(structures)
    elif date in reported:
        t = reported[date]
    else:
        raise ValueError(f"{date!r} is not a reported coalition date; choose one of "
                         f"{', '.join(sorted(reported))}")
    at, rows = structures[t]
    ranked = [(co.structure_label(ids, code, names), co.Proportion(k / n, *co.wilson_interval(k, n), k, n))
              for _, code, k, n in rows[:3]]
    sides = code_to_sides(rows[0][1], len(ids))
    med = _median_mutual(out / "quantiles.csv", t, ids)
    size = _median_military_share(out / "ensemble.npz", t, ids)
    paths += _draw_network(at, ids, names, sides, med, size, ranked, title, runs, seed, folder,
                           "coalition_network")
    return paths
