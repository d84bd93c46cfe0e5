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

from sim.engine.lock import hold
from sim.experiments.main import prepare_folder, run
from sim.experiments.spec import Experiment, load


def add_experiment_parser(sub) -> None:
    """Register `alignsim experiment` on an argparse subparsers object."""
    e = sub.add_parser("experiment", help="run an experiment file: comparisons, sweeps, sensitivity, discovery",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run the analyses of an experiment file (experiments/*.toml) and write, into --out:\n"
                                   "  manifest.json  outcomes.csv  compare.csv  sweep.csv  sobol.csv  prim.csv\n"
                                   "  rules.txt  samples.npz  figures/ (PNG and SVG)\n"
                                   "`alignsim plot DIR` redraws the figures; `alignsim report DIR` writes report.html.")
    e.add_argument("file", type=Path, metavar="FILE.toml")
    e.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME)")
    e.add_argument("--overwrite", action="store_true",
                   help="replace the results in --out (only the files its manifest lists are removed)")
    e.add_argument("--runs", type=int, default=None, help="runs per scenario or point (default: the file's)")
    e.add_argument("--workers", type=int, default=None, help="worker processes (default: in process for small "
                   "experiments, all cores for large ones)")
    e.add_argument("--quiet", action="store_true", help="no progress bar")


def experiment_main(path, out=None, overwrite: bool = False, quiet: bool = False, runs: int | None = None,
                    workers: int | None = None, backend: str = "auto") -> int:
    """`alignsim experiment FILE [--out DIR] [--overwrite] [--quiet] [--runs N] [--workers N]`.

    Raises ScenarioError on bad input (the CLI prints it on one line and exits 2)."""
    exp = load(path, runs=runs)
    out = Path(out) if out is not None else Path("results") / exp.name
    command = (["alignsim", *sys.argv[1:]] if sys.argv[1:2] == ["experiment"]
               else ["alignsim", "experiment", str(path), "--out", str(out)])
    with hold(out, "--out", warn=lambda m: print(f"alignsim: warning: {m}", file=sys.stderr)):   # one writer at a time
        prepare_folder(out, overwrite)
        man = run_experiment(exp, out, quiet=quiet, command=command, workers=workers, backend=backend)
    print(summary_text(out, man))
    print(f"results in {out}/  (outcomes.csv, compare.csv, ..., figures/); "
          f"`alignsim report {out}` writes the briefing")
    return 0


def run_experiment(exp: Experiment, out: Path, quiet: bool = False, command=("alignsim", "experiment"),
                   figures: bool = True, workers: int | None = None, backend: str = "auto") -> dict:
    """Run every analysis of `exp` into `out` and, unless `figures` is False, draw its figures;
    returns the manifest (see sim.experiments.main.run)."""
    # imported here, not at the top: matplotlib takes a second to load, and `alignsim --help`
    # builds this command's parser
    from sim.figures.experiment import plot_experiment
    return run(exp, out, quiet=quiet, command=command, draw=plot_experiment if figures else None,
               workers=workers, backend=backend)


def summary_text(out: Path, man: dict) -> str:
    """A few lines for the terminal: the headline numbers of each analysis."""
    lines = [f"{man['experiment']['title']} ({man['timings'].get('total_seconds', 0):.0f} s)"]
    desc = {o["name"]: o["description"] for o in man["outcomes"]}
    if (out / "compare.csv").exists():
        with (out / "compare.csv").open() as fh:
            for r in csv.DictReader(fh):
                est = float(r["estimate"])
                shown = f"{est:.1%}" if r["kind"] == "probability" else f"{est:+.3f}"
                extra = ""
                if r["difference"]:
                    d = float(r["difference"])
                    extra = (f"  {d * 100:+.1f} pts [{float(r['diff_low']) * 100:+.1f}, "
                             f"{float(r['diff_high']) * 100:+.1f}] vs {r['baseline']}"
                             if r["kind"] == "probability" else f"  {d:+.3f} vs {r['baseline']}")
                lines.append(f"  {r['scenario']:<16} {desc[r['outcome']][:72]:<72} {shown}{extra}")
    if (out / "sobol.csv").exists():
        with (out / "sobol.csv").open() as fh:
            for r in csv.DictReader(fh):
                lines.append(f"  Sobol {r['outcome']:<22} {r['label'][:48]:<48} S1 {float(r['S1']):.2f} "
                             f"ST {float(r['ST']):.2f}")
    if (out / "rules.txt").exists():
        lines += ["  " + x for x in (out / "rules.txt").read_text().splitlines() if x.strip()]
    return "\n".join(lines)
