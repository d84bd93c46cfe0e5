"""The `alignsim` command line."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from .errors import ScenarioError

EPILOG = """\
examples:
  alignsim list                                   scenarios in ./scenarios, one line each
  alignsim show june_war_pivot                    every resolved parameter, as tables
  alignsim run june_war_pivot --runs 1000 --seed 7 --out results/pivot
  alignsim run june_war_pivot --set actors.china.sanctions_risk_tolerance=0.2
  alignsim run june_war_pivot --set 'actors.russia.reliability={dist="uniform",low=0.5,high=0.9}'
  alignsim plot results/pivot                     redraw the figures from saved results
  alignsim landscape examples/landscape_syria_2016.toml
  alignsim validate                               stylized facts of the 2024-2025 case

A SCENARIO is a path to a .toml file, or the name of one in ./scenarios (or --dir).
Bad input prints one line naming the file, key path, value and what is allowed, and exits 2.
"""


def find_scenario(name: str, folder: str | None) -> Path:
    p = Path(name)
    if p.suffix == ".toml" or p.exists():
        return p
    cand = Path(folder or "scenarios") / f"{name}.toml"
    if cand.exists():
        return cand
    raise ScenarioError(name, None, name, f"no such scenario file, and no {cand}; "
                        "`alignsim list` shows the scenarios")


def _positive(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return v
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alignsim", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Strategic alignment scenario simulator: Monte Carlo ensembles of how states "
                    "line up under conflicts, sanctions, corridor closures and diplomacy.")
    p.add_argument("--version", action="version", version=f"alignsim {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    r = sub.add_parser("run", help="run a scenario's Monte Carlo ensemble and write a result folder",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=textwrap.dedent("""\
        Run an ensemble of a scenario and write, into --out:
          manifest.json     resolved scenario, seed, versions, timings
          quantiles.csv     per-step quantiles of every pair's alignment (mutual and directed)
          final.csv         per pair at the horizon: median and share of runs above 0.5 / below -0.5
          events.csv        which shocks fired in which run and when
          ensemble.npz      full arrays, run x step x from x to (alignment, threat, trade, ...)
          figures/          fan chart of the key pairs and heatmap of final alignment (PNG, SVG)
        Run r gives the same numbers for the same seed, whatever --runs is."""))
    r.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    r.add_argument("--runs", type=_positive(int), default=1000, help="number of runs (default 1000)")
    r.add_argument("--seed", type=int, default=20250613, help="root seed (default 20250613)")
    r.add_argument("--steps", type=_positive(int), default=None, help="months to simulate (default: the file's)")
    r.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME)")
    r.add_argument("--overwrite", action="store_true", help="replace an existing result folder")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override any parameter, e.g. actors.china.resolve=0.5 (repeatable)")
    r.add_argument("--chunk-size", type=_positive(int), default=2000, help="runs advanced together (default 2000)")
    r.add_argument("--no-figures", action="store_true", help="skip drawing figures")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--dir", default=None, help="folder of named scenarios (default ./scenarios)")

    ls = sub.add_parser("list", help="list the scenarios in a folder")
    ls.add_argument("--dir", default="scenarios", help="folder (default ./scenarios)")

    sh = sub.add_parser("show", help="print a scenario's resolved parameters as tables")
    sh.add_argument("scenario", metavar="SCENARIO")
    sh.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE")
    sh.add_argument("--keys", action="store_true", help="list every key --set accepts")
    sh.add_argument("--dir", default=None)

    pl = sub.add_parser("plot", help="redraw the figures of a result folder without re-running")
    pl.add_argument("folder", type=Path, metavar="DIR")

    la = sub.add_parser("landscape", help="landscape theory (Axelrod & Bennett 1993): coalitions by energy",
                        description="Rank two-coalition configurations by energy E = sum_{i<j} s_i s_j p_ij d_ij "
                                    "(unordered pairs), mark local minima and show each actor's frustration. "
                                    "The file holds [sizes] (name = size) and [propensity] rows of name = value.")
    la.add_argument("file", type=Path, metavar="FILE.toml")
    la.add_argument("--json", action="store_true", help="machine-readable output")
    la.add_argument("--top", type=int, default=None, help="show only the K lowest-energy configurations")
    va = sub.add_parser("validate", help="check the flagship scenarios against stylized facts (docs/VALIDATION.md)",
                        description="Run baseline_2024 and june_war_pivot and check documented stylized facts of "
                                    "the 2024-2025 case; prints PASS/FAIL with the measured figures; exit 1 on a failure.")
    va.add_argument("--seed", type=int, default=20250613)
    va.add_argument("--runs", type=_positive(int), default=500)
    return p


def _version() -> str:
    from . import __version__
    return __version__


def cmd_run(args) -> int:
    from . import results, scenario
    from .ensemble import run_ensemble

    scen = scenario.load(find_scenario(args.scenario, args.dir), args.overrides)
    out = args.out or Path("results") / scen.name
    if (out / "manifest.json").exists() and not args.overwrite:
        raise ScenarioError(out, "--out", str(out), "already holds results; pass --overwrite or another --out")
    steps = args.steps or scen.steps
    bar = None
    if not args.quiet:
        from tqdm import tqdm
        bar = tqdm(total=args.runs * steps, unit="run-step", unit_scale=True, desc=scen.name,
                   file=sys.stderr, dynamic_ncols=True)
    try:
        ens = run_ensemble(scen, args.runs, args.seed, steps, args.chunk_size,
                           progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    results.write(ens, out, ["alignsim", *sys.argv[1:]], args.overrides, figures=not args.no_figures)
    from .analysis.coalitions import coalition_outputs
    coalition_outputs(ens, out, figures=not args.no_figures)
    t = ens.timings
    print(f"{args.runs} runs x {steps} steps in {t['wall_seconds']:.1f} s "
          f"({t['run_steps_per_second']:,.0f} run-steps/s); seed {args.seed}")
    print(f"results in {out}/  (figures/fan_chart.png, figures/final_heatmap.png, quantiles.csv, final.csv)")
    return 0


def cmd_list(args) -> int:
    from . import scenario
    folder = Path(args.dir)
    files = sorted(folder.glob("*.toml"))
    if not files:
        print(f"no scenarios in {folder}/")
        return 0
    width = max(len(f.stem) for f in files)
    for f in files:
        try:
            s = scenario.load(f)
            print(f"{f.stem:<{width}}  {s.title}")
        except ScenarioError as exc:
            print(f"{f.stem:<{width}}  (invalid: {exc})")
    return 0


def cmd_show(args) -> int:
    from . import scenario, show
    path = find_scenario(args.scenario, args.dir)
    if args.keys:
        data = scenario.apply_overrides(scenario.resolve_file(path), args.overrides)
        print("\n".join(k for k in scenario.leaf_paths(data) if not isinstance(_get(data, k), dict)
                        or "dist" in _get(data, k)))
        return 0
    print(show.render(scenario.load(path, args.overrides)))
    return 0


def _get(data, key):
    for part in key.split("."):
        data = data[part]
    return data


def cmd_plot(args) -> int:
    from . import results
    folder = args.folder
    if not (folder / "ensemble.npz").exists():
        raise ScenarioError(folder, None, str(folder), "not a result folder (no ensemble.npz)")
    for p in results.draw_figures(folder):
        print(p)
    return 0


def cmd_landscape(args) -> int:
    from .analysis.landscape import landscape_main
    return landscape_main(args.file, as_json=args.json, top=args.top)


def cmd_validate(args) -> int:
    from .validate import validate_main
    return validate_main(seed=args.seed, runs=args.runs)


COMMANDS = {"validate": cmd_validate, "run": cmd_run, "list": cmd_list, "show": cmd_show, "plot": cmd_plot, "landscape": cmd_landscape}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"alignsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("alignsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
