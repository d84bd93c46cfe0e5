"""`alignsim experiment FILE`: run an experiment file into a result folder and draw its figures.

The experiments layer simulates, analyses and writes the tables; the figures layer draws from
those files. Neither may import the other, so this module joins them: it hands
`sim.figures.experiment.plot_experiment` to the experiment run as its drawing step, and prints
the headline numbers when the run is done.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from sim.apps.options import formats as parse_formats, positive
from sim.core.numbers import decimals_for, percent

if TYPE_CHECKING:   # the experiments package imports scipy; `alignsim --help` builds this parser without it
    from sim.experiments.spec import Experiment


def add_experiment_parser(sub) -> None:
    """Register `alignsim experiment` on an argparse subparsers object."""
    e = sub.add_parser("experiment", help="run an experiment file: comparisons, sweeps, sensitivity, discovery",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run the analyses of an experiment file and write, into --out:\n"
                                   "  manifest.json  outcomes.csv  samples.npz  figures/ (PNG; --formats)\n"
                                   "  and per analysis: compare.csv, sweep.csv, sobol.csv, prim.csv, rules.txt\n"
                                   "Before starting it prints the total runs and an estimate of time and memory,\n"
                                   "and refuses an experiment this machine cannot hold.\n"
                                   "`alignsim plot DIR` redraws the figures; `alignsim report DIR` writes report.html.")
    e.add_argument("file", metavar="FILE", help="an experiment file, or the name of a built-in one "
                   "(`alignsim list` shows them)")
    e.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME)")
    e.add_argument("--overwrite", action="store_true",
                   help="replace the results in --out (only the files its manifest lists are removed)")
    e.add_argument("--scale", type=positive(float), default=1.0, metavar="X",
                   help="multiply every analysis's own runs (per scenario or per point) by X, e.g. 0.1 for a "
                        "quick look or 4 for narrower intervals (default 1: the file's runs)")
    e.add_argument("--formats", type=parse_formats, default=("png",), metavar="LIST",
                   help="figure files, comma-separated from png, svg, pdf (default png)")
    e.add_argument("--workers", type=positive(int), default=None,
                   help="worker processes (default: in process for small "
                   "experiments, all cores for large ones)")
    e.add_argument("--quiet", action="store_true", help="no progress bar")


def experiment_main(path, out=None, overwrite: bool = False, quiet: bool = False, scale: float = 1.0,
                    workers: int | None = None, backend: str = "auto", formats=("png",)) -> int:
    """`alignsim experiment FILE [--out DIR] [--overwrite] [--quiet] [--scale X] [--workers N]`.

    Prints the plan (runs, time, memory) first and refuses one the machine cannot hold.
    Raises ScenarioError on bad input (the CLI prints it on one line and exits 2)."""
    from sim.apps.catalog import find
    from sim.experiments.main import prepare_folder
    from sim.experiments.plan import check, plan
    from sim.experiments.spec import load
    path = find(str(path), "experiments")
    exp = load(path, scale=scale)
    cost = plan(exp, workers)
    print(f"{exp.name}: {cost.describe()}", file=sys.stderr, flush=True)
    check(cost, path, scale)
    out = Path(out) if out is not None else Path("results") / exp.name
    command = (["alignsim", *sys.argv[1:]] if sys.argv[1:2] == ["experiment"]
               else ["alignsim", "experiment", str(path), "--out", str(out)])
    from sim.engine.lock import hold
    with hold(out, "--out", warn=lambda m: print(f"alignsim: warning: {m}", file=sys.stderr)):   # one writer at a time
        prepare_folder(out, overwrite)
        man = run_experiment(exp, out, quiet=quiet, command=command, workers=workers, backend=backend,
                             formats=formats)
    print(summary_text(out, man))
    print(f"results in {out}/  (outcomes.csv, compare.csv, ..., figures/); "
          f"`alignsim report {out}` writes the briefing")
    return 0


def run_experiment(exp: Experiment, out: Path, quiet: bool = False, command=("alignsim", "experiment"),
                   figures: bool = True, workers: int | None = None, backend: str = "auto",
                   formats=("png",)) -> dict:
    """Run every analysis of `exp` into `out` and, unless `figures` is False, draw its figures
    in `formats`; returns the manifest (see sim.experiments.main.run)."""
    from sim.experiments.main import run
    from sim.figures.experiment import plot_experiment
    draw = (lambda folder: plot_experiment(folder, formats)) if figures else None
    return run(exp, out, quiet=quiet, command=command, draw=draw, workers=workers, backend=backend)


def summary_text(out: Path, man: dict) -> str:
    """A few lines for the terminal: the headline numbers of each analysis."""
    lines = [f"{man['experiment']['title']} ({man['timings'].get('total_seconds', 0):.0f} s)"]
    desc = {o["name"]: o["description"] for o in man["outcomes"]}
    if (out / "compare.csv").exists():
        with (out / "compare.csv").open() as fh:
            for r in csv.DictReader(fh):
                est = float(r["estimate"])
                d = decimals_for(float(r["ci_low"] or "nan"), float(r["ci_high"] or "nan"))
                shown = percent(est) if r["kind"] == "probability" else f"{est:+.{d}f}"
                extra = ""
                if r["difference"]:
                    d_ = float(r["difference"])
                    extra = (f"  {d_ * 100:+.1f} pts [{float(r['diff_low']) * 100:+.1f}, "
                             f"{float(r['diff_high']) * 100:+.1f}] vs {r['baseline']}"
                             if r["kind"] == "probability" else f"  {d_:+.{d}f} vs {r['baseline']}")
                lines.append(f"  {r['scenario']:<16} {desc[r['outcome']][:72]:<72} {shown}{extra}")
    if (out / "sobol.csv").exists():
        with (out / "sobol.csv").open() as fh:
            for r in csv.DictReader(fh):
                lines.append(f"  Sobol {r['outcome']:<22} {r['label'][:48]:<48} S1 {float(r['S1']):.2f} "
                             f"ST {float(r['ST']):.2f}")
    if (out / "rules.txt").exists():
        lines += ["  " + x for x in (out / "rules.txt").read_text().splitlines() if x.strip()]
    if (out / "attribution.csv").exists():
        lines += _attribution_lines(out, man)
    return "\n".join(lines)


def _attribution_lines(out: Path, man: dict, top: int = 3) -> list[str]:
    """Per attribution analysis: its total and its largest contributions, with 95% intervals."""
    with (out / "attribution.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lines = []
    for an in man["analyses"]:
        if an["type"] != "attribution":
            continue
        mine = [r for r in rows if r["analysis"] == an["name"]]
        labels = an["attribution"]["labels"]
        total = next(r for r in mine if r["factor"] == "total")
        body = sorted((r for r in mine if r["factor"] != "total"), key=lambda r: -abs(float(r["contribution"])))
        lines.append(f"  {an['name']}: total {float(total['contribution']):+.3f} "
                     f"[{float(total['lo']):+.3f}, {float(total['hi']):+.3f}], largest:")
        lines += [f"    {float(r['contribution']):+.3f} [{float(r['lo']):+.3f}, {float(r['hi']):+.3f}]  "
                  f"{labels.get(r['factor'], r['factor'])}" for r in body[:top]]
    return lines
