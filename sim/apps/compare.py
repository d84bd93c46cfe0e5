"""`alignsim compare DIR_A DIR_B`: two run folders compared without an experiment file: paired run
by run when their seeds match, as independent samples otherwise (and said so); the standard
outcomes of every pair with 95% Wilson and Newcombe intervals; fan charts of the differences of
the key pairs. Differences are B minus A."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

DESCRIPTION = """\
Compare two result folders of `alignsim run` (the same actors and months) and write, into --out:
  compare.csv            per pair: P(aligned > 0.5), P(between), P(opposed < -0.5) and the mean mutual
                         alignment at the horizon under A and under B, with 95% Wilson intervals, and
                         B minus A with Newcombe's 95% interval
  compare_over_time.csv  per pair and month: mean difference, its 95% interval, per-run quantiles
  figures/               compare_difference: B minus A for the key pairs over time (PNG)
  manifest.json          both folders, the pairing and why
When both folders were run with the same seed and kept every run, run r of each drew the same random
numbers, and the comparison is paired run by run (narrower intervals); otherwise it is unpaired."""


def add_parser(sub) -> None:
    """Register `alignsim compare` on the command line's subparsers."""
    p = sub.add_parser("compare", help="compare two run folders: paired when their seeds match",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=DESCRIPTION)
    p.add_argument("folder_a", type=Path, metavar="DIR_A", help="the reference run folder")
    p.add_argument("folder_b", type=Path, metavar="DIR_B", help="the run folder compared with it")
    p.add_argument("--out", type=Path, default=None, help="result folder (default results/compare_A_vs_B)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing result folder")
    p.add_argument("--no-figures", action="store_true", help="skip drawing the figure")


def compare_main(args) -> int:
    """Run `alignsim compare` from parsed arguments; 0 on success, ScenarioError on bad input."""
    from sim.experiments.folder_compare import read_side, write_comparison
    from sim.experiments.main import prepare_folder
    from sim.experiments.writers import write_manifest
    a, b = read_side(args.folder_a), read_side(args.folder_b)
    out = args.out or Path("results") / f"compare_{a.folder.name}_vs_{b.folder.name}"
    prepare_folder(out, args.overwrite)
    man = write_comparison(out, a, b, ["alignsim", *sys.argv[1:]])
    if not args.no_figures:
        from sim.figures.folder_compare import draw_comparison
        man["files"] += [str(p.relative_to(out)) for p in draw_comparison(out)]
    man["complete"] = True
    write_manifest(out, man)
    print("\n".join(summary_lines(out, man)))
    print(f"results in {out}/  (compare.csv, compare_over_time.csv"
          + (", figures/compare_difference.png)" if not args.no_figures else ")"))
    return 0


def summary_lines(out: Path, man: dict) -> list[str]:
    """The pairing, then each key pair's standard outcomes (leaving out "between", the rest, and
    outcomes no run of either reaches): A, B and B minus A with intervals."""
    names = dict(zip(man["actors"], man["names"]))
    key = {tuple(p) for p in man["key_pairs"]}
    a, b = man["a"]["name"], man["b"]["name"]
    lines = [f"{man['b']['name']} ({man['b']['runs']:,} runs) against {man['a']['name']} "
             f"({man['a']['runs']:,} runs), {man['end']}:", man["pairing"]]
    lines.append(f"  {'pair':<26} {'outcome':<9} {a[:14]:>14} {b[:14]:>14}   {'B - A (95% CI)':<26}")
    with (out / "compare.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            pair = (r["from"], r["to"])
            if pair not in key and pair[::-1] not in key or r["outcome"] == "between" \
                    or r["outcome"] != "mean" and float(r["a"]) == float(r["b"]) == 0.0:
                continue        # between is the rest; an outcome no run reaches says nothing
            prob = r["outcome"] != "mean"
            show = (lambda v: f"{float(v):.1%}") if prob else (lambda v: f"{float(v):+.3f}")
            diff = (lambda v: f"{float(v) * 100:+.1f} pts") if prob else (lambda v: f"{float(v):+.3f}")
            lines.append(f"  {names[pair[0]] + ' - ' + names[pair[1]]:<26} {r['outcome']:<9} {show(r['a']):>14} "
                         f"{show(r['b']):>14}   {diff(r['difference'])} [{diff(r['diff_low'])}, "
                         f"{diff(r['diff_high'])}]")
    return lines
