"""`alignsim attribute SCENARIO`: why an outcome differs from the reference scenario, split into
the contributions of the events and parameter groups that differ (or of the model's channels,
`--by mechanism`), with 95% intervals; tables, figures and manifest in one folder."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from pathlib import Path

from sim.core.errors import ScenarioError

DESCRIPTION = textwrap.dedent("""\
    Split the paired difference of an outcome between SCENARIO and a reference (--against, by default
    the file SCENARIO extends) into contributions, with 95% intervals, and write into --out:
      attribution.csv            factor,kind,contribution,lo,hi,share at --at; a last row `total`
      attribution_over_time.csv  the same at every month
      figures/                   the waterfall at --at and the contributions over time (PNG)
      manifest.json              what was compared, how, the seed and the versions
    By factor (default), each factor is an element that differs: a shock added, removed or changed,
    a corridor, one actor's parameters, one actor's row of a pair table, the dynamics weights. Every
    subset of the factors is one variant scenario, all run with the same seed, so run r of every
    variant shares its random numbers and exact Shapley values add up to the total difference (up to
    12 factors; beyond, --samples sampled orderings). By mechanism, each channel of the model is
    switched off in both scenarios in turn; channel effects need not add up, and the rest is
    reported as interaction.""")


def add_parser(sub) -> None:
    """Register `alignsim attribute` on the command line's subparsers."""
    from sim.apps.options import positive as _positive
    p = sub.add_parser("attribute", help="why an outcome differs between two scenarios: Shapley attribution "
                       "to events and parameter groups, or to the model's mechanisms",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=DESCRIPTION)
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    p.add_argument("--against", default=None, metavar="OTHER", help="reference scenario (default: the file SCENARIO extends)")
    p.add_argument("--pair", nargs=2, default=None, metavar=("A", "B"), help="actor pair (default: the first key pair)")
    p.add_argument("--measure", default="mutual", help="mutual (default) or directed (from A toward B)")
    p.add_argument("--at", default="end", metavar="YYYY-MM", help="the month of the table and waterfall (default end)")
    p.add_argument("--by", choices=("factor", "mechanism"), default="factor", help="what to attribute to")
    p.add_argument("--runs", type=_positive(int), default=1000, help="runs per variant (default 1000)")
    p.add_argument("--seed", type=int, default=20250613, help="root seed of every variant (default 20250613)")
    p.add_argument("--samples", type=_positive(int), default=None, metavar="K",
                   help="estimate Shapley values from K sampled orderings (needed beyond 20 factors)")
    p.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME_attribution)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing result folder")
    p.add_argument("--workers", type=_positive(int), default=None, help="worker processes (default: all cores)")
    p.add_argument("--no-figures", action="store_true", help="skip drawing figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--dir", default=None, help="folder of named scenarios (default ./scenarios)")


def load_pair(args):
    """The scenario and its reference, from the command line."""
    from sim import scenario
    from sim.apps.catalog import find
    path = find(args.scenario, "scenarios", args.dir)
    scen = scenario.load(path)
    if args.against is not None:
        return scen, scenario.load(find(args.against, "scenarios", args.dir))
    parent = scenario.read_toml(path).get("extends")
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "(none)", "this scenario extends no file; name the reference with --against")
    return scen, scenario.load(Path(path).parent / parent)


def _executor(workers, total: int):
    from sim.engine import executor as ex
    cores = os.cpu_count() or 1
    # a task is one variant's runs (a tenth of a second or more), so a pool's second to start
    # pays off from a few variants on
    backend = "processes" if (workers or cores) > 1 and total > 2_000_000 else "inprocess"
    return ex.make(backend, workers, None, total)


def attribute_main(args) -> int:
    """Run `alignsim attribute` from parsed arguments; 0 on success, ScenarioError on bad input."""
    from sim.engine.ensemble import warm_up
    from sim.experiments import attribution as att
    from sim.experiments.attribution_io import write_folder
    from sim.experiments.main import prepare_folder
    scen, other = load_pair(args)
    q = att.question(scen, args.pair, args.measure, args.at)
    plan = att.plan_factors(scen, other, args.samples, args.seed) if args.by == "factor" \
        else att.plan_mechanisms(scen, other)
    out = args.out or Path("results") / f"{scen.name}_{'attribution' if args.by == 'factor' else 'mechanisms'}"
    prepare_folder(out, args.overwrite)
    t0 = time.perf_counter()
    total = att.total_run_steps(plan, args.runs)
    executor = _executor(args.workers, total)
    bar = None
    try:
        if not args.quiet:
            print("compiling the model (the first run after installing takes a few seconds)...", file=sys.stderr,
                  end="\r", flush=True)
        warm_up(scen)
        if not args.quiet:
            from tqdm import tqdm
            bar = tqdm(total=total, unit="run-step", unit_scale=True, desc=f"{scen.name}: {len(plan.variants)} variants",
                       file=sys.stderr, dynamic_ncols=True)
        result = att.attribute(plan, q, args.runs, args.seed, executor, bar.update if bar else None)
    finally:
        executor.close()
        if bar is not None:
            bar.close()
    timings = {"simulation_seconds": round(result.seconds, 3), "backend": executor.name, "workers": executor.workers}
    man = write_folder(out, result, scen, other, ["alignsim", *sys.argv[1:]], timings)
    if not args.no_figures:
        from sim.figures.attribution import draw_attribution
        man["files"] += [str(p.relative_to(out)) for p in draw_attribution(out)]
    timings["total_seconds"] = round(time.perf_counter() - t0, 3)
    man["complete"] = True
    from sim.experiments.writers import write_manifest
    write_manifest(out, man)
    print("\n".join(summary_lines(out)))
    print(f"results in {out}/  (attribution.csv, attribution_over_time.csv"
          + (", figures/attribution_waterfall.png)" if not args.no_figures else ")"))
    return 0


def summary_lines(folder: Path) -> list[str]:
    """An attribution folder in a few lines of text: the two levels, then each row with its
    interval and share, the total last."""
    import csv
    import json
    a = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["attribution"]
    names = a["names"]
    x, y = a["pair"]
    what = (f"{names[x]}–{names[y]} mutual alignment" if a["measure"] == "mutual"
            else f"alignment of {names[x]} toward {names[y]}")
    s, o = a["levels"]["scenario"], a["levels"]["against"]
    lines = [f"{what} in {a['date']}: {s[0]:+.3f} under {a['scenario']['name']} against {o[0]:+.3f} under "
             f"{a['against']['name']}", f"({a['method']}; {a['runs']:,} paired runs each, seed {a['seed']}):"]
    with (folder / "attribution.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            share = f"{float(r['share']):6.0%}" if r["share"] else "      "
            label = a["labels"].get(r["factor"], r["factor"])
            lines.append(f"  {float(r['contribution']):+.3f} ({float(r['lo']):+.3f} to {float(r['hi']):+.3f}) "
                         f"{share}  {label}" + ("" if r["kind"] in ("total", "interaction", "channel") else f" ({r['kind']})"))
    return lines
