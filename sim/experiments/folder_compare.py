"""Two run folders (`alignsim run`) compared without an experiment file: `alignsim compare`.

Both folders must hold the same actors, in the same order, over the same months; otherwise
there is nothing to compare pair by pair, and the refusal is one line. When both were run with
the same seed and kept every run (--keep full, the default up to 100,000 runs), run r of each
drew the same random numbers, so the comparison is paired run by run over the runs both hold
(common random numbers: narrower intervals for the same runs). Otherwise the two ensembles are
independent samples and their intervals say so. Differences are B minus A.

Writes into the output folder:
    compare.csv             per pair and standard outcome (aligned > 0.5, between, opposed
                            < -0.5, mean), A and B with 95% Wilson (or normal) intervals, and
                            B minus A with Newcombe's (paired or independent) interval
    compare_over_time.csv   per pair and month: the mean difference, its 95% interval and,
                            when paired, the quantiles of the per-run differences
    manifest.json           both folders, the pairing and how it was decided, the versions
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.paired import band_counts, difference_over_time, mutual, outcome_rows
from sim.core.errors import ScenarioError
from sim.engine.manifest import versions
from sim.engine.tables import write_csv
from sim.experiments.writers import cell, write_manifest

HEADER = ["from", "to", "outcome", "a", "a_low", "a_high", "b", "b_low", "b_high", "difference", "diff_low",
          "diff_high", "method"]
OVER_TIME_HEADER = ["step", "date", "from", "to", "mean", "low", "high", "q05", "q25", "q50", "q75", "q95"]


@dataclass
class Side:
    """One run folder as the comparison reads it.

    Attributes
    ----------
    folder : Path
    man : dict
        Its manifest.
    pairs : list of (str, str)
        Every pair i < j, in actor order (as final.csv).
    x : ndarray (R, T+1, P) or None
        Every run's mutual alignment; None when the folder kept no per-run arrays.
    counts : ndarray (P, 3)
        Runs per band at the horizon (from final.csv when x is None).
    means : ndarray (T+1, P)
        Mean mutual alignment per month (quantiles.csv).
    """
    folder: Path
    man: dict
    pairs: list
    x: np.ndarray | None
    counts: np.ndarray
    means: np.ndarray

    @property
    def runs(self) -> int:
        return int(self.man["runs"])


def read_side(folder) -> Side:
    """A finished run folder, with its per-run alignment when it kept it.

    Raises
    ------
    ScenarioError : not a finished run folder of `alignsim run`.
    """
    folder = Path(folder)
    try:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ScenarioError(folder, None, str(folder), "not a result folder: no readable manifest.json") from None
    if not man.get("complete") or "options" not in man or not (folder / "final.csv").exists():
        raise ScenarioError(folder, None, str(folder), "not a finished run folder of `alignsim run` "
                            "(compare takes two of them; an experiment compares scenarios itself)")
    ids = man["actors"]
    pairs = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]]
    idx = [(ids.index(a), ids.index(b)) for a, b in pairs]
    x = None
    if (folder / "ensemble.npz").exists():
        with np.load(folder / "ensemble.npz") as z:
            x = mutual(z["alignment"], idx)
    final = {(r[0], r[1]): r for r in _csv(folder / "final.csv")}
    runs = int(man["runs"])
    counts = np.array([band_counts(x[:, -1, p]) if x is not None else
                       [round(float(final[pr][c]) * runs) for c in (3, 4, 5)] for p, pr in enumerate(pairs)])
    means = np.zeros((int(man["steps"]) + 1, len(pairs)))
    col = {pr: p for p, pr in enumerate(pairs)}
    for r in _csv(folder / "quantiles.csv"):
        if r[4] == "mutual":
            means[int(r[0]), col[(r[2], r[3])]] = float(r[5])
    return Side(folder, man, pairs, x, counts, means)


def _csv(path: Path) -> list[list[str]]:
    import csv
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def check_matching(a: Side, b: Side) -> None:
    """Refuse folders with other actors or other months.

    Raises
    ------
    ScenarioError : naming B, what differs, and A's value.
    """
    if a.man["actors"] != b.man["actors"]:
        raise ScenarioError(b.folder, "actors", b.man["actors"], f"compare needs the same actors in the same order "
                            f"as {a.folder}: {', '.join(a.man['actors'])}")
    for key in ("start", "end", "steps"):
        if a.man[key] != b.man[key]:
            raise ScenarioError(b.folder, key, b.man[key], f"compare needs the same months as {a.folder} "
                                f"({a.man['start']} to {a.man['end']}, {a.man['steps']} steps)")


def pairing(a: Side, b: Side) -> tuple[bool, int, str]:
    """(paired, runs compared per side, the reason in words)."""
    sa, sb = a.man["seed"], b.man["seed"]
    if sa != sb:
        return False, 0, (f"unpaired: the seeds differ ({sa} and {sb}), so the runs are independent samples; "
                          "intervals are for independent samples")
    if a.x is None or b.x is None:
        which = a.folder if a.x is None else b.folder
        return False, 0, (f"unpaired: {which} kept no per-run arrays (--keep summary), so the runs cannot be "
                          "matched; probabilities from final.csv, intervals for independent samples")
    n = min(a.runs, b.runs)
    extra = "" if a.runs == b.runs else f" (the other folder's runs from {n} on are left out)"
    return True, n, (f"paired: both folders use seed {sa}, so run r of each drew the same random numbers; "
                     f"runs 0 to {n - 1} compared run by run{extra}")


def compare_folders(a: Side, b: Side) -> tuple[list[list], list[list], bool, int, str]:
    """The rows of compare.csv and compare_over_time.csv, and the pairing (paired, runs, reason)."""
    check_matching(a, b)
    paired, n, why = pairing(a, b)
    xa, xb = (s.x[:n] if paired else s.x for s in (a, b))
    dates = _dates(a.man)
    rows, over = [], []
    for p, (i, j) in enumerate(a.pairs):
        if xa is not None and xb is not None:
            out = outcome_rows(xa[:, -1, p], xb[:, -1, p], paired)
            d = difference_over_time(xa[:, :, p], xb[:, :, p], paired)
        else:
            out = outcome_rows(None, None, False, ((a.counts[p], a.runs), (b.counts[p], b.runs)))
            d = {"mean": b.means[:, p] - a.means[:, p]}
        rows += [[i, j, r["outcome"], *(cell(r[k], 6) for k in HEADER[3:12]), r["method"]] for r in out]
        over += [[t, date, i, j, *(cell(d[k][t], 6) if k in d else "" for k in OVER_TIME_HEADER[4:])]
                 for t, date in enumerate(dates)]
    return rows, over, paired, n, why


def _dates(man: dict) -> list[str]:
    y, m = (int(v) for v in man["start"].split("-"))
    return [f"{y + (m - 1 + t) // 12:04d}-{(m - 1 + t) % 12 + 1:02d}" for t in range(int(man["steps"]) + 1)]


def write_comparison(out: Path, a: Side, b: Side, command) -> dict:
    """Compare A and B into `out`: both tables and the manifest (complete once figures are added
    by the caller). Returns the manifest."""
    rows, over, paired, n, why = compare_folders(a, b)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "compare.csv", HEADER, rows)
    write_csv(out / "compare_over_time.csv", OVER_TIME_HEADER, over)
    man = {"kind": "folder_comparison", "complete": False,
           "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "command": list(command),
           "a": _describe(a), "b": _describe(b), "paired": paired, "runs_compared": n, "pairing": why,
           "actors": a.man["actors"], "names": a.man["names"], "key_pairs": a.man.get("key_pairs", []),
           "start": a.man["start"], "end": a.man["end"], "steps": a.man["steps"], "versions": versions(),
           "files": ["compare.csv", "compare_over_time.csv"]}
    write_manifest(out, man)
    return man


def _describe(s: Side) -> dict:
    sc = s.man.get("scenario", {})
    meta = sc.get("resolved", {}).get("scenario", {}) if isinstance(sc.get("resolved"), dict) else {}
    return {"folder": str(s.folder), "file": sc.get("file"), "name": meta.get("name") or s.folder.name,
            "title": sc.get("title") or meta.get("title") or s.folder.name, "seed": s.man["seed"], "runs": s.runs,
            "per_run": s.x is not None, "shocks": s.man.get("shocks", [])}
