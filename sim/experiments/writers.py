"""What an experiment writes into its result folder, and how.

    outcomes.csv     every outcome per scenario (comparisons) or per point (the other analyses)
    compare.csv      comparisons: each scenario's estimate, and its paired difference from the
                     baseline
    compare_fan.csv  comparisons: mean and quantiles over time of each key pair's mutual alignment,
                     and of its paired difference from the baseline
    sweep.csv        sweeps: a row per point and outcome, a column per varied parameter
    sobol.csv        sensitivity: first- and total-order indices with their intervals
    prim.csv         discovery: every box on each peeling trajectory, and the final box
    prim_box.csv     discovery: each final box's limits per parameter
    rules.txt        discovery: the boxes as rules in plain words
    samples.npz      the parameter values of every point and every run's outcome values
    manifest.json    what was run, with which versions, how long it took, and the files

The runners collect rows in a `Results`; `write_tables` writes them once every analysis is
done, and the manifest is written before and after the figures are drawn.
"""

from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path

import numpy as np

from sim.engine.manifest import versions
from sim.experiments.analyses import Compare
from sim.experiments.outcomes import Values
from sim.experiments.spec import Experiment
from sim.experiments.summaries import Summary

QCOLS = ("q05", "q25", "q50", "q75", "q95")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
OUTCOME_HEADER = ["analysis", "scenario", "point", "outcome", "kind", "estimate", "ci_low", "ci_high",
                  "count", "runs", "median"]
COMPARE_HEADER = ["analysis", "outcome", "scenario", "baseline", "kind", "estimate", "ci_low", "ci_high",
                  "count", "runs", "difference", "diff_low", "diff_high", "diff_method"]
FAN_HEADER = ["analysis", "kind", "scenario", "baseline", "from", "to", "step", "date", "mean", *QCOLS]
SOBOL_HEADER = ["analysis", "outcome", "parameter", "label", "low", "high", "S1", "S1_low", "S1_high",
                "ST", "ST_low", "ST_high", "variance", "noise_share", "samples", "runs"]
PRIM_HEADER = ["analysis", "box", "step", "coverage", "density", "mass", "n", "hits", "n_restricted", "chosen"]
PRIM_BOX_HEADER = ["analysis", "box", "parameter", "label", "low", "high", "sampled_low", "sampled_high",
                   "restricted", "quasi_p", "coverage", "density", "mass"]
SWEEP_FIXED = ("analysis", "point", "outcome", *OUTCOME_HEADER[4:])
# every file write_tables may write
OUTPUTS = ("outcomes.csv", "compare.csv", "compare_fan.csv", "sweep.csv", "sobol.csv", "prim.csv", "prim_box.csv",
           "rules.txt", "samples.npz")


class Results:
    """The rows and arrays an experiment's analyses produce, kept until `write_tables`.

    Attributes
    ----------
    outcomes, compare, fan, sobol, prim_box : list of list
        Rows of outcomes.csv, compare.csv, compare_fan.csv, sobol.csv and prim_box.csv, in the
        column order of their headers.
    sweep, prim : dict
        Analysis name -> rows as dicts: each analysis varies its own parameters, so the columns
        are known only when every analysis has run.
    rules : list of str
        One block of rules.txt per discovery analysis.
    arrays : dict
        Name -> array, for samples.npz.
    tables : dict
        File name -> (header, rows) of tables an analysis module writes itself (attribution).
    details : dict
        Analysis name -> what its run adds to the analysis's entry in manifest.json.
    """

    def __init__(self):
        self.outcomes: list[list] = []
        self.compare: list[list] = []
        self.fan: list[list] = []
        self.sweep: dict[str, list] = {}
        self.sobol: list[list] = []
        self.prim: dict[str, list] = {}
        self.prim_box: list[list] = []
        self.rules: list[str] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.tables: dict[str, tuple[list, list]] = {}
        self.details: dict[str, dict] = {}

    def add_table(self, name: str, header: list, rows: list) -> None:
        """Add rows to the table `name`, created with `header` by the first analysis to add any."""
        self.tables.setdefault(name, (header, []))[1].extend(rows)

    def store(self, prefix: str, values: dict[str, Values]) -> None:
        """Keep every run's values for samples.npz.

        Parameters
        ----------
        prefix : str
            The analysis name, and for comparisons ``{analysis}__{scenario}``.
        values : dict
            Outcome name -> `Values`; stored as ``{prefix}__{outcome}__value`` (float32) and,
            for yes/no outcomes, ``{prefix}__{outcome}__event`` (int8).
        """
        for name, v in values.items():
            self.arrays[f"{prefix}__{name}__value"] = v.value.astype(np.float32)
            if v.event is not None:
                self.arrays[f"{prefix}__{name}__event"] = v.event.astype(np.int8)


def cell(x, digits: int = 6) -> str:
    """A number as a table cell.

    Parameters
    ----------
    x : float or None
    digits : int
        Significant digits.

    Returns
    -------
    str
        Empty for None, NaN or infinity; ``0`` within 1e-12 of zero, so that rounding residues
        do not show as ``-1.4e-17``.

    Examples
    --------
    >>> cell(0.123456789), cell(2 / 3, 3), cell(-1e-17), cell(float("nan"))
    ('0.123457', '0.667', '0', '')
    """
    if x is None or not math.isfinite(x):
        return ""
    return f"{0.0 if abs(x) < 1e-12 else x:.{digits}g}"


def summary_cells(s: Summary) -> list:
    """The cells of a summary in a table row.

    Parameters
    ----------
    s : Summary

    Returns
    -------
    list
        In the columns ``kind`` to ``median`` of outcomes.csv.
    """
    return [s.kind, cell(s.estimate), cell(s.low), cell(s.high), "" if s.count is None else s.count, s.n,
            cell(s.median)]


def write_tables(out: Path, w: Results) -> list[str]:
    """Write the collected tables, rules and samples.npz into `out`.

    A table is written only when an analysis produced it; outcomes.csv and samples.npz always.

    Parameters
    ----------
    out : Path
        The result folder; it must exist.
    w : Results

    Returns
    -------
    list of str
        The files written, relative to `out`, for the manifest.
    """
    files = ["outcomes.csv"]
    _write_csv(out / "outcomes.csv", OUTCOME_HEADER, w.outcomes)
    if w.compare:
        _write_csv(out / "compare.csv", COMPARE_HEADER, w.compare)
        _write_csv(out / "compare_fan.csv", FAN_HEADER, w.fan)
        files += ["compare.csv", "compare_fan.csv"]
    if w.sweep:
        # one table for every sweep; a column per parameter key path (blank where a sweep does not vary it)
        rows = [r for rs in w.sweep.values() for r in rs]
        keys = list(dict.fromkeys(k for r in rows for k in r if k not in SWEEP_FIXED))
        _write_dicts(out / "sweep.csv", ["analysis", "point", *keys, "outcome", *OUTCOME_HEADER[4:]], rows)
        files.append("sweep.csv")
    if w.sobol:
        _write_csv(out / "sobol.csv", SOBOL_HEADER, w.sobol)
        files.append("sobol.csv")
    if w.prim:
        rows = [r for rs in w.prim.values() for r in rs]
        keys = list(dict.fromkeys(k for r in rows for k in r if k not in PRIM_HEADER))
        _write_dicts(out / "prim.csv", PRIM_HEADER + keys, rows)
        _write_csv(out / "prim_box.csv", PRIM_BOX_HEADER, w.prim_box)
        (out / "rules.txt").write_text("\n".join(w.rules), encoding="utf-8")
        files += ["prim.csv", "prim_box.csv", "rules.txt"]
    for name, (header, rows) in w.tables.items():
        _write_csv(out / name, header, rows)
        files.append(name)
    np.savez_compressed(out / "samples.npz", **w.arrays)
    files.append("samples.npz")
    return files


def _write_dicts(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, header, restval="")
        wr.writeheader()
        wr.writerows(rows)


def _write_csv(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow(header)
        wr.writerows(rows)


def manifest_base(exp: Experiment, command) -> dict:
    """The manifest of an experiment about to run: marked incomplete, with empty timings and files.

    Parameters
    ----------
    exp : Experiment
    command : sequence of str
        The command line to record.

    Returns
    -------
    dict
        JSON-ready: the experiment file and its text, seed, runs, actors, scenarios, outcomes
        (with their descriptions), analyses (with their point and run counts), labels and
        package versions. Everything the figures and the report need is in it, so neither reads
        the experiment or scenario files.
    """
    scen = {}
    for label, s in exp.scenarios.items():
        scen[label] = {"file": str(s.path), "name": s.name, "title": s.title,
                       "description": " ".join(s.description.split()), "actors": list(s.actor_ids),
                       "names": s.display, "start": s.date(0), "end": s.date(s.steps), "steps": s.steps,
                       "key_pairs": [list(p) for p in s.key_pairs],
                       "shocks": [{"name": x.name, "type": x.type_name, "label": x.label,
                                   "at": s.date(x.at) if x.at is not None else None} for x in s.shocks]}
    outcomes = []
    for o in exp.outcomes.values():
        d = o.to_dict()
        d["description"] = o.describe(exp.names, exp.end)
        outcomes.append(d)
    analyses = []
    for an in exp.analyses:
        d = an.to_dict()
        if not isinstance(an, Compare):
            d["n_points"] = an.n_points
            d["total_runs"] = an.n_points * an.runs
        analyses.append(d)
    return {"kind": "experiment", "complete": False,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": list(command),
            "experiment": {"file": str(exp.path.resolve()), "name": exp.name, "title": exp.title,
                           "question": exp.question, "description": " ".join(exp.description.split()),
                           "text": exp.text},
            "seed": exp.seed, "runs": exp.runs, "actors": exp.actors, "names": exp.names, "end": exp.end,
            "scenarios": scen, "outcomes": outcomes, "analyses": analyses, "labels": exp.labels,
            "versions": versions(), "timings": {}, "files": []}


def write_manifest(out: Path, manifest: dict) -> None:
    """Write ``out/manifest.json``, through a temporary file so a reader never sees half of one.

    Parameters
    ----------
    out : Path
        The result folder.
    manifest : dict
        As from `manifest_base`, with what the run added.
    """
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    tmp.replace(out / "manifest.json")


def is_experiment(folder) -> bool:
    """Whether a folder holds an experiment's results.

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    bool
        True when its manifest.json says kind "experiment"; False for a run folder and for a
        folder without a readable manifest.
    """
    try:
        return json.loads((Path(folder) / "manifest.json").read_text()).get("kind") == "experiment"
    except (OSError, ValueError):
        return False
