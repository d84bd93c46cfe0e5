"""The tidy CSV tables of a result folder, written from the merged per-chunk summaries."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sim.core.pairs import directed_index, pair_index, structure_label
from sim.core.stats import wilson_interval

# sim.engine.summary (numba) is imported where tables are written: the figures read the tables
# through this module and load nothing compiled.

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ("q05", "q25", "q50", "q75", "q95")


def _fmt(mean, qs):
    return [f"{mean:.5f}", *(f"{q:.5f}" for q in qs)]


def write_csv(path: Path, header, rows) -> None:
    """Write a CSV file with a header row."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def write_tables(out: Path, job, merged, exact: dict | None) -> list[str]:
    """Tidy tables of a result folder from the merged summary (and exact quantiles if given)."""
    from sim.engine.summary import FIXED, METRICS, bin_values, hist_quantile_bins, hist_quantiles, metric_range
    scen = job.scenario
    ids = list(scen.actor_ids)
    n = len(ids)
    runs = int(merged.runs)
    pi, pj = pair_index(n)
    di, dj = directed_index(n)
    if exact is not None:
        qm, qd = exact["mutual"], exact["directed"]
    else:
        qm, qd = hist_quantiles(merged.hist_mutual, QUANTILES), hist_quantiles(merged.hist_directed, QUANTILES)
    mean_m, mean_d = merged.sum_mutual / FIXED / runs, merged.sum_directed / FIXED / runs

    order = {a: k for k, a in enumerate(ids)}

    def qrows():
        # sorted a step at a time (steps come in order): all the rows at once would hold the
        # whole table in memory, 250,000 rows at 42 actors
        for t in range(job.steps + 1):
            date = scen.date(t)
            rows = [[t, date, ids[i], ids[j], "mutual", *_fmt(mean_m[t, p], qm[:, t, p])]
                    for p, (i, j) in enumerate(zip(pi, pj))]
            rows += [[t, date, ids[i], ids[j], "directed", *_fmt(mean_d[t, p], qd[:, t, p])]
                     for p, (i, j) in enumerate(zip(di, dj))]
            yield from sorted(rows, key=lambda r: (order[r[2]], order[r[3]], r[4] != "mutual"))
    write_csv(out / "quantiles.csv", ["step", "date", "from", "to", "measure", "mean", *QCOLS], qrows())
    med = qm[2, -1]
    write_csv(out / "final.csv", ["from", "to", "median", "p_above_0.5", "p_between", "p_below_-0.5"],
              ([ids[i], ids[j], f"{med[p]:.4f}", *(f"{c / runs:.4f}" for c in merged.bands[p])]
               for p, (i, j) in enumerate(zip(pi, pj))))
    write_csv(out / "event_counts.csv", ["shock", "label", "step", "date", "runs_with_onset", "share"],
              ([sh.name, sh.label, t, scen.date(t), int(c), f"{c / runs:.4f}"]
               for sh, row in zip(scen.shocks, merged.onsets) for t, c in enumerate(row) if c))
    files = ["quantiles.csv", "final.csv", "event_counts.csv"]
    if merged.structures.size:
        names = scen.display
        pairs = list(scen.key_pairs)

        def crows():
            for k, t in enumerate(job.report_steps):
                date = scen.date(t)
                counts = merged.structures[k]
                order = sorted(np.nonzero(counts)[0], key=lambda c: (-counts[c], c))[:5]
                for rank, code in enumerate(order, 1):
                    lo, hi = wilson_interval(int(counts[code]), runs)
                    yield ["structure", t, date, rank, structure_label(ids, int(code)), int(code), "", "",
                           int(counts[code]), runs, f"{counts[code] / runs:.4f}", f"{lo:.4f}", f"{hi:.4f}"]
                for (a, b), c in zip(pairs, merged.same[k]):
                    lo, hi = wilson_interval(int(c), runs)
                    yield ["same_coalition", t, date, "", f"{names[a]} with {names[b]}", "", a, b, int(c), runs,
                           f"{c / runs:.4f}", f"{lo:.4f}", f"{hi:.4f}"]
        write_csv(out / "coalitions.csv", ["kind", "step", "date", "rank", "label", "code", "a", "b", "count",
                                           "runs", "share", "ci95_low", "ci95_high"], crows())

        def brows():
            kb, nb = hist_quantile_bins(merged.hist_balance, QUANTILES), merged.hist_balance.shape[-1]   # (Q, T+1, M)
            for m, name in enumerate(METRICS):
                lo, hi = metric_range(name, n)
                q = bin_values(kb[:, :, m], nb, lo, hi)
                defined = runs - merged.nan_balance[:, m]
                mean = np.where(defined > 0, merged.sum_balance[:, m] / FIXED / np.maximum(defined, 1), np.nan)
                for t in range(job.steps + 1):
                    yield [t, scen.date(t), name, *_fmt(mean[t], q[:, t])]
        write_csv(out / "balance.csv", ["step", "date", "metric", "mean", *QCOLS],
                  sorted(brows(), key=lambda r: (r[0], METRICS.index(r[2]))))
        files += ["coalitions.csv", "balance.csv"]
    return files


def load_quantiles(out: Path) -> dict:
    """(from, to, measure) -> {"q05": array over steps, ...} from quantiles.csv."""
    table: dict = {}
    with (out / "quantiles.csv").open() as fh:
        for row in csv.DictReader(fh):
            d = table.setdefault((row["from"], row["to"], row["measure"]), {c: [] for c in QCOLS})
            for c in QCOLS:
                d[c].append(float(row[c]))
    return {k: {c: np.array(v) for c, v in d.items()} for k, d in table.items()}


def settled_structure(out: Path) -> str | None:
    """One line saying which coalition structure every run has at every reported date, or None
    when the runs differ somewhere (then a network figure has something to show).

    Parameters
    ----------
    out : Path
        A result folder; without coalitions.csv, None.

    Returns
    -------
    str or None
    """
    import json
    path = Path(out) / "coalitions.csv"
    if not path.exists():
        return None
    with path.open(newline="") as fh:
        tops = [r for r in csv.DictReader(fh) if r["kind"] == "structure" and r["rank"] == "1"]
    if not tops or any(r["count"] != r["runs"] for r in tops) or len({r["code"] for r in tops}) != 1:
        return None
    man = json.loads((Path(out) / "manifest.json").read_text())
    ids = [str(a) for a in man["actors"]]
    label = structure_label(ids, int(tops[0]["code"]), dict(zip(ids, man.get("names") or ids)))
    return (f"Every one of the {int(tops[0]['runs']):,} runs has the same coalitions, {label}, at every reported "
            f"date ({', '.join(r['date'] for r in tops)}).")
