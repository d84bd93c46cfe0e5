"""The `alignsim` command line."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.engine.executor import BACKENDS

EPILOG = """\
examples:
  alignsim list                                   scenarios in ./scenarios, one line each
  alignsim show june_war_pivot                    every resolved parameter, as tables
  alignsim run june_war_pivot --runs 1000 --seed 7 --out results/pivot
  alignsim run june_war_pivot --set actors.china.sanctions_risk_tolerance=0.2
  alignsim run june_war_pivot --set 'actors.russia.reliability={dist="uniform",low=0.5,high=0.9}'
  alignsim plot results/pivot                     redraw the figures from saved results
  alignsim experiment experiments/june_war_vs_baseline.toml --out results/war
  alignsim report results/war                     one self-contained HTML briefing
  alignsim landscape examples/landscape_syria_2016.toml
  alignsim validate                               stylized facts of the 2024-2025 case
  alignsim calibrate hindcast_2005 --out results/calib   weights estimated from UN votes, 2005-2015
  alignsim hindcast hindcast_2005                 the calibrated 2005-2019 hindcast, scored
  alignsim dashboard june_war_pivot               the interactive page on http://127.0.0.1:8765/

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
    # the order here is the order `alignsim --help` lists the commands in
    from sim.apps.calibrate import add_calibrate_parser, add_hindcast_parser
    from sim.apps.experiment import add_experiment_parser
    for add in (_add_run, _add_list, _add_show, _add_plot, _add_landscape, add_experiment_parser, _add_report,
                _add_dashboard, _add_validate, add_calibrate_parser, add_hindcast_parser):
        add(sub)
    return p


def _add_run(sub) -> None:
    r = sub.add_parser("run", help="run a scenario's Monte Carlo ensemble and write a result folder",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=textwrap.dedent("""\
        Run an ensemble of a scenario and write, into --out:
          manifest.json     resolved scenario, seed, options, versions, timings; "complete" when done
          quantiles.csv     per-step quantiles of every pair's alignment (mutual and directed)
          final.csv         per pair at the horizon: median and share of runs above 0.5 / below -0.5
          coalitions.csv    landscape-theory coalitions per run: most frequent structures, key pairs
          balance.csv       structural balance and polarization per step
          event_counts.csv  how many runs each shock started in, by month
          events.csv        which shocks fired in which run and when          (--keep full)
          ensemble.npz      full arrays, run x step x from x to (alignment, threat, trade, ...)  (--keep full)
          summary.npz       the merged counts behind the tables
          figures/          fan chart, final heatmap, coalition network, polarization (PNG, SVG)
        Run r gives the same numbers for the same seed whatever --runs, --chunk-size, --workers
        or --backend. Chunks are saved as they finish: an interrupted run is finished with the
        same command and --resume DIR in place of --out DIR."""))
    r.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    r.add_argument("--runs", type=_positive(int), default=1000, help="number of runs (default 1000)")
    r.add_argument("--seed", type=int, default=20250613, help="root seed (default 20250613)")
    r.add_argument("--steps", type=_positive(int), default=None, help="months to simulate (default: the file's)")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override any parameter, e.g. actors.china.resolve=0.5 (repeatable)")
    where = r.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME)")
    where.add_argument("--resume", type=Path, default=None, metavar="DIR",
                       help="finish an interrupted run in DIR, reusing its saved chunks")
    r.add_argument("--overwrite", action="store_true", help="replace an existing result folder")
    r.add_argument("--keep", choices=("full", "summary"), default=None,
                   help="full: every run's arrays and events too; summary: per-step quantiles (error <= 0.0005) "
                        "and counts only (default: full up to 100,000 runs)")
    r.add_argument("--backend", choices=BACKENDS, default="auto",
                   help="where chunks run (default auto: in process for small jobs, else a process pool)")
    r.add_argument("--workers", type=_positive(int), default=None, help="worker processes (default: all cores)")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    r.add_argument("--chunk-size", type=_positive(int), default=None,
                   help="runs per chunk (default: about an eighth of the runs, 250 to 2000, fewer for large actor "
                        "sets so a chunk stays under a second; a resumed run keeps its own)")
    r.add_argument("--no-analysis", action="store_true", help="skip coalitions and balance per run (faster)")
    r.add_argument("--no-figures", action="store_true", help="skip drawing figures")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--dir", default=None, help="folder of named scenarios (default ./scenarios)")


def _add_list(sub) -> None:
    ls = sub.add_parser("list", help="list the scenarios in a folder")
    ls.add_argument("--dir", default="scenarios", help="folder (default ./scenarios)")


def _add_show(sub) -> None:
    sh = sub.add_parser("show", help="print a scenario's resolved parameters as tables")
    sh.add_argument("scenario", metavar="SCENARIO")
    sh.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE")
    sh.add_argument("--keys", action="store_true", help="list every key --set accepts")
    sh.add_argument("--dir", default=None)


def _add_plot(sub) -> None:
    pl = sub.add_parser("plot", help="redraw the figures of a result folder without re-running")
    pl.add_argument("folder", type=Path, metavar="DIR")


def _add_landscape(sub) -> None:
    la = sub.add_parser("landscape", help="landscape theory (Axelrod & Bennett 1993): coalitions by energy",
                        description="Rank two-coalition configurations by energy E = sum_{i<j} s_i s_j p_ij d_ij "
                                    "(unordered pairs), mark local minima and show each actor's frustration. "
                                    "The file holds [sizes] (name = size) and [propensity] rows of name = value.")
    la.add_argument("file", type=Path, metavar="FILE.toml")
    la.add_argument("--json", action="store_true", help="machine-readable output")
    la.add_argument("--top", type=int, default=None, help="show only the K lowest-energy configurations")


def _add_report(sub) -> None:
    r = sub.add_parser("report", help="write DIR/report.html: a self-contained briefing of a result folder")
    r.add_argument("folder", type=Path, metavar="DIR")


def _add_dashboard(sub) -> None:
    from sim.apps.dashboard import add_arguments as dashboard_arguments
    db = sub.add_parser("dashboard", help="serve the interactive page in a browser (127.0.0.1 only)",
                        description="Serve a page on 127.0.0.1 to change actor parameters and shocks and watch a "
                                    "small ensemble respond, step through a single run, and save the changes as a "
                                    "scenario file. Needs the dashboard extra: pip install 'alignsim[dashboard]'.")
    dashboard_arguments(db)


def _add_validate(sub) -> None:
    va = sub.add_parser("validate", help="check the flagship scenarios against stylized facts (docs/VALIDATION.md)",
                        description="Run baseline_2024 and june_war_pivot and check documented stylized facts of "
                                    "the 2024-2025 case; prints PASS/FAIL with the measured figures; exit 1 on a failure.")
    va.add_argument("--seed", type=int, default=20250613)
    va.add_argument("--runs", type=_positive(int), default=500)


def _version() -> str:
    from sim import __version__
    return __version__


def cmd_run(args) -> int:
    import time

    from sim import scenario
    from sim.engine.run import Interrupted, RunOptions, run_to_folder
    from sim.figures.run import draw_figures

    scen = scenario.load(find_scenario(args.scenario, args.dir), args.overrides)
    out = args.resume or args.out or Path("results") / scen.name
    reducer = None
    if not args.no_analysis:
        from sim.analysis.reducers import coalitions_and_balance as reducer
    opts = RunOptions(runs=args.runs, seed=args.seed, steps=args.steps, keep=args.keep, chunk_size=args.chunk_size,
                      backend=args.backend, workers=args.workers, scheduler=args.scheduler, reducer=reducer,
                      overwrite=args.overwrite, resume=args.resume is not None,
                      request={"command": ["alignsim", *sys.argv[1:]]}, overrides=tuple(args.overrides))
    bar, started = None, []

    def progress(total):
        nonlocal bar
        started.append(time.perf_counter())
        if args.quiet:
            return None
        from tqdm import tqdm
        bar = tqdm(total=total, unit="run-step", unit_scale=True, desc=scen.name, file=sys.stderr,
                   dynamic_ncols=True, smoothing=0.1)
        return bar.update

    def status(message):
        if not args.quiet:
            print(message, file=sys.stderr, end="\r", flush=True)

    try:
        folder, timings = run_to_folder(scen, out, opts, progress=progress, status=status)
    except Interrupted as exc:
        print(f"\nalignsim: interrupted; {exc.saved} of {exc.total} chunks are saved in {out}/. Finish with the "
              f"same command and --resume {out}", file=sys.stderr)
        return 130
    finally:
        if bar:
            bar.close()
    if not args.no_figures:
        folder.add_files(draw_figures(folder.out))
    wall = time.perf_counter() - started[0]
    steps, rate = folder.job.steps, timings["run_steps_per_second"]
    sim_rate = f"{rate:,.0f} run-steps/s" if rate else "all chunks reused"
    print(f"{args.runs:,} runs x {steps} steps on {timings['backend']} ({timings['workers']} worker"
          f"{'s' if timings['workers'] != 1 else ''}): simulation {timings['wall_seconds']:.1f} s ({sim_rate}), "
          f"total with tables and figures {wall:.1f} s; seed {args.seed}")
    print(f"results in {out}/  (figures/fan_chart.png, final.csv, quantiles.csv, coalitions.csv)")
    return 0


def cmd_list(args) -> int:
    from sim import scenario
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
    from sim import scenario
    from sim.apps import show
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
    from sim.experiments.writers import is_experiment
    from sim.figures.run import draw_figures
    folder = args.folder
    if is_experiment(folder):
        from sim.figures.experiment import plot_experiment
        for p in plot_experiment(folder):
            print(p)
        return 0
    man = folder / "manifest.json"
    if not man.exists() or not (folder / "quantiles.csv").exists():
        raise ScenarioError(folder, None, str(folder), "not a result folder (no finished manifest.json and quantiles.csv)")
    for p in draw_figures(folder):
        print(p)
    return 0


def cmd_landscape(args) -> int:
    from sim.apps.landscape import landscape_main
    return landscape_main(args.file, as_json=args.json, top=args.top)


def cmd_validate(args) -> int:
    from sim.apps.validate import validate_main
    return validate_main(seed=args.seed, runs=args.runs)


def cmd_dashboard(args) -> int:
    from sim.apps.dashboard import dashboard_main
    return dashboard_main(args.scenario, args.port, args.host, args.dir)


def cmd_experiment(args) -> int:
    from sim.apps.experiment import experiment_main
    return experiment_main(args.file, args.out, args.overwrite, args.quiet, args.runs, args.workers)


def cmd_calibrate(args) -> int:
    from sim.apps.calibrate import calibrate_main
    return calibrate_main(args)


def cmd_hindcast(args) -> int:
    from sim.apps.calibrate import hindcast_main
    return hindcast_main(args)


def cmd_report(args) -> int:
    from sim.report.html import report_main
    return report_main(args.folder)


COMMANDS = {"dashboard": cmd_dashboard, "experiment": cmd_experiment, "report": cmd_report, "validate": cmd_validate,
            "run": cmd_run, "list": cmd_list, "show": cmd_show, "plot": cmd_plot, "landscape": cmd_landscape,
            "calibrate": cmd_calibrate, "hindcast": cmd_hindcast}


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
