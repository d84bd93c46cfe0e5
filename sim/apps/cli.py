"""The `alignsim` command line."""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
from pathlib import Path

from sim.apps.options import formats as parse_formats, positive
from sim.core.errors import ScenarioError
from sim.engine.executor import BACKENDS

EPILOG = """\
examples:
  alignsim list                                   the built-in scenarios and experiments, and yours
  alignsim show june_war_pivot                    every resolved parameter, as tables
  alignsim show june_war_pivot --keys             every key --set accepts, its value and range
  alignsim run june_war_pivot --runs 1000 --seed 7 --out results/pivot
  alignsim run june_war_pivot --set actors.china.sanctions_risk_tolerance=0.2
  alignsim run june_war_pivot --set 'actors.russia.reliability={dist="uniform",low=0.5,high=0.9}'
  alignsim plot results/pivot --formats png,svg   redraw the figures, also as SVG
  alignsim report results/pivot                   one self-contained HTML briefing
  alignsim experiment june_war_vs_baseline --out results/war
  alignsim attribute june_war_pivot --pair iran china     which events drove the difference from the baseline
  alignsim compare results/baseline results/pivot  two run folders: paired when their seeds match
  alignsim landscape examples/landscape_syria_2016.toml
  alignsim validate                               stylized facts of the 2024-2025 case
  alignsim calibrate hindcast_2005 --out results/calib   weights estimated from UN votes, 2005-2015
  alignsim hindcast hindcast_2005                 the calibrated 2005-2019 hindcast, scored
  alignsim dashboard june_war_pivot               the interactive page on http://127.0.0.1:8765/

A SCENARIO is a path to a .toml file, or the name of one in ./scenarios (or --dir) or of a
built-in scenario; `alignsim list` shows them. Bad input prints one line naming the file, key
path, value and what is allowed, and exits 2.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with bad arguments on one line (exit 2) like any other bad input; subcommand
    parsers are of the same class."""

    def error(self, message):
        where = self.prog.removeprefix("alignsim").strip() or "command line"
        self.exit(2, f"alignsim: error: {where}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line. Only argparse and small modules are imported to build it, so
    `alignsim --help` and the quick commands start at once."""
    p = _Parser(
        prog="alignsim", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Strategic alignment scenario simulator: Monte Carlo ensembles of how states "
                    "line up under conflicts, sanctions, corridor closures and diplomacy.")
    p.add_argument("--version", action="version", version=f"alignsim {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    # the order here is the order `alignsim --help` lists the commands in
    from sim.apps.attribute import add_parser as add_attribute_parser
    from sim.apps.calibrate import add_calibrate_parser, add_hindcast_parser
    from sim.apps.compare import add_parser as add_compare_parser
    from sim.apps.experiment import add_experiment_parser
    for add in (_add_run, _add_list, _add_show, _add_plot, _add_landscape, add_experiment_parser,
                add_attribute_parser, add_compare_parser, _add_report, _add_dashboard, _add_validate,
                add_calibrate_parser, add_hindcast_parser):
        add(sub)
    return p


def _add_run(sub) -> None:
    r = sub.add_parser("run", help="run a scenario's Monte Carlo ensemble and write a result folder",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=textwrap.dedent("""\
        Run an ensemble of a scenario and write, into --out:
          manifest.json     resolved scenario, seed, options, versions, timings and every file written
          quantiles.csv     per-step quantiles of every pair's alignment (mutual and directed)
          final.csv         per pair at the horizon: median and share of runs above 0.5 / below -0.5
          coalitions.csv    landscape-theory coalitions per run: most frequent structures, key pairs
          balance.csv       structural balance and polarization per step
          event_counts.csv  how many runs each shock started in, by month
          events.csv        which shocks fired in which run and when          (--keep full)
          ensemble.npz      full arrays, run x step x from x to (alignment, threat, trade, ...)  (--keep full)
          summary.npz       the merged counts behind the tables
          figures/          fan chart, final heatmap, balance fan, coalition network (PNG; --formats)
        The default folder is results/NAME, or results/NAME-HASH when --set, --seed, --runs or
        --steps differ from the file's defaults, so variants never overwrite each other.
        Run r gives the same numbers for the same seed whatever --runs, --chunk-size, --workers
        or --backend. Chunks are saved as they finish: an interrupted run is finished with the
        same command and --resume DIR in place of --out DIR."""))
    r.add_argument("scenario", metavar="SCENARIO", help="scenario file or name (`alignsim list` shows the names)")
    r.add_argument("--runs", type=positive(int), default=1000, help="number of runs (default 1000)")
    r.add_argument("--seed", type=int, default=20250613, help="root seed (default 20250613)")
    r.add_argument("--steps", type=positive(int), default=None, help="months to simulate (default: the file's)")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override any parameter, e.g. actors.china.resolve=0.5 (repeatable; "
                        "`alignsim show SCENARIO --keys` lists the keys)")
    where = r.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=None,
                       help="result folder (default results/NAME, or results/NAME-HASH for a variant)")
    where.add_argument("--resume", type=Path, default=None, metavar="DIR",
                       help="finish an interrupted run in DIR, reusing its saved chunks")
    r.add_argument("--overwrite", action="store_true",
                   help="replace the results in --out (only the files its manifest lists are removed)")
    r.add_argument("--strict", action="store_true", help="treat warnings about the scenario as errors")
    r.add_argument("--keep", choices=("full", "summary"), default=None,
                   help="full: every run's arrays and events too; summary: per-step quantiles (error <= 0.0005) "
                        "and counts only (default: full up to 100,000 runs)")
    r.add_argument("--backend", choices=BACKENDS, default="auto",
                   help="where chunks run (default auto: in process for small jobs, else a process pool)")
    r.add_argument("--workers", type=positive(int), default=None, help="worker processes (default: all cores)")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    r.add_argument("--chunk-size", type=positive(int), default=None,
                   help="runs per chunk (default: about an eighth of the runs, 250 to 2000, fewer for large actor "
                        "sets so a chunk stays under a second; a resumed run keeps its own)")
    r.add_argument("--no-analysis", action="store_true", help="skip coalitions and balance per run (faster)")
    _figure_options(r)
    r.add_argument("--no-figures", action="store_true", help="skip drawing figures (`alignsim plot DIR` draws them)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--dir", default=None, help="folder of named scenarios (default ./scenarios, then the built-ins)")


def _figure_options(p, default="png") -> None:
    p.add_argument("--formats", type=parse_formats, default=parse_formats(default) if default else None, metavar="LIST",
                   help="figure files to write, comma-separated from png, svg, pdf (default "
                        + (default if default else "the formats the folder has, else png") + ")")
    p.add_argument("--all-figures", action="store_true",
                   help="also the coalition network when one coalition structure holds in every run at every "
                        "date (otherwise one line says so)")


def _add_list(sub) -> None:
    ls = sub.add_parser("list", help="list the built-in scenarios and experiments, and local ones",
                        description="List the scenarios and experiments `alignsim run NAME` and `alignsim "
                                    "experiment NAME` accept: the built-in ones (installed with alignsim) and "
                                    "local files in ./scenarios and ./experiments (or --dir), marked as such.")
    ls.add_argument("--dir", default=None, help="folder of local scenarios (default ./scenarios)")


def _add_show(sub) -> None:
    sh = sub.add_parser("show", help="print a scenario's resolved parameters as tables",
                        description="Print a scenario's resolved parameters (after `extends` and --set) as "
                                    "tables, or with --keys every key --set accepts with its value and range.")
    sh.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    sh.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                    help="show the scenario with this override applied (repeatable)")
    sh.add_argument("--keys", action="store_true",
                    help="list every key --set accepts, with its current value and what it allows")
    sh.add_argument("--dir", default=None, help="folder of named scenarios (default ./scenarios, then the built-ins)")


def _add_plot(sub) -> None:
    pl = sub.add_parser("plot", help="redraw the figures of a result folder without re-running",
                        description="Redraw the figures of a run or experiment folder from its saved tables, "
                                    "and list them in its manifest.")
    pl.add_argument("folder", type=Path, metavar="DIR", help="a result folder of `alignsim run` or `experiment`")
    _figure_options(pl, default=None)


def _add_landscape(sub) -> None:
    la = sub.add_parser("landscape", help="landscape theory (Axelrod & Bennett 1993): coalitions by energy",
                        description="Rank two-coalition configurations by energy E = sum_{i<j} s_i s_j p_ij d_ij "
                                    "(unordered pairs), mark local minima and show each actor's frustration. "
                                    "The file holds [sizes] (name = size) and [propensity] rows of name = value.")
    la.add_argument("file", type=Path, metavar="FILE.toml", help="sizes and propensities, e.g. "
                    "examples/landscape_syria_2016.toml")
    la.add_argument("--json", action="store_true", help="machine-readable output")
    la.add_argument("--top", type=int, default=None, help="show only the K lowest-energy configurations")


def _add_report(sub) -> None:
    r = sub.add_parser("report", help="write DIR/report.html: a self-contained briefing of a result folder",
                       description="Write DIR/report.html from a finished run, experiment or attribution folder: "
                                   "an executive summary from the numbers, the key probabilities, the scenario, "
                                   "every figure with its caption, the limitations, a glossary and what "
                                   "reproduces it. Refuses a folder holding files its manifest does not list.")
    r.add_argument("folder", type=Path, metavar="DIR", help="a finished result folder")


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
    va.add_argument("--seed", type=int, default=20250613, help="root seed (default 20250613)")
    va.add_argument("--runs", type=positive(int), default=500, help="runs per scenario (default 500)")


def _version() -> str:
    from sim import __version__
    return __version__


def cmd_run(args) -> int:
    from sim.apps.run_command import cmd_run as run
    return run(args)


def cmd_list(args) -> int:
    from sim.apps.catalog import entries, title_of
    lines = []
    for kind in ("scenarios", "experiments"):
        found = entries(kind, args.dir if kind == "scenarios" else None)
        lines.append(f"{kind} (built-in: installed with alignsim; local: in {args.dir or './' + kind})")
        if not found:
            lines.append("  none")
        width = max((len(e.name) for e in found), default=0)
        for e in found:
            # local scenarios are validated (the built-ins are, by the test suite); titles are read as written
            title = title_of(e.path) if e.builtin or kind == "experiments" else _checked_title(e.path)
            lines.append(f"  {e.name:<{width}}  {'built-in' if e.builtin else 'local   '}  {title}")
    print("\n".join(lines))
    return 0


def _checked_title(path: Path) -> str:
    from sim import scenario
    try:
        return scenario.load(path).title
    except ScenarioError as exc:
        return f"(invalid: {exc})"


def cmd_show(args) -> int:
    from sim.apps.catalog import find
    path = find(args.scenario, "scenarios", args.dir)
    if args.keys:
        from sim.apps.keys import key_rows, render_keys
        print(render_keys(key_rows(path, args.overrides)))
        return 0
    from sim import scenario
    from sim.apps import show
    print(show.render(scenario.load(path, args.overrides)))
    return 0


def cmd_plot(args) -> int:
    import json

    from sim.engine.manifest import record_files
    folder = args.folder
    man_path = folder / "manifest.json"
    try:
        man = json.loads(man_path.read_text())
    except (OSError, ValueError):
        raise ScenarioError(folder, None, str(folder), "not a result folder (no readable manifest.json)") from None
    formats = args.formats or tuple(dict.fromkeys(
        Path(f).suffix[1:] for f in man.get("files", []) if f.startswith("figures/"))) or ("png",)
    if man.get("kind") == "experiment":
        from sim.figures.experiment import plot_experiment
        paths = plot_experiment(folder, formats)
    elif man.get("kind") == "attribution":
        from sim.figures.attribution import draw_attribution
        paths = draw_attribution(folder, formats)
    elif man.get("kind") == "folder_comparison":
        from sim.figures.folder_compare import draw_comparison
        paths = draw_comparison(folder, formats)
    else:
        if not man.get("complete") or not (folder / "quantiles.csv").exists():
            raise ScenarioError(folder, None, str(folder), "not a finished result folder (no complete manifest.json "
                                "and quantiles.csv)")
        from sim.figures.run import draw_figures
        paths = draw_figures(folder, formats, every=args.all_figures)
    record_files(folder, paths)
    for p in paths:
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
    return experiment_main(args.file, args.out, args.overwrite, args.quiet, args.scale, args.workers,
                           formats=args.formats)


def cmd_calibrate(args) -> int:
    from sim.apps.calibrate import calibrate_main
    return calibrate_main(args)


def cmd_hindcast(args) -> int:
    from sim.apps.calibrate import hindcast_main
    return hindcast_main(args)


def cmd_attribute(args) -> int:
    from sim.apps.attribute import attribute_main
    return attribute_main(args)


def cmd_compare(args) -> int:
    from sim.apps.compare import compare_main
    return compare_main(args)


def cmd_report(args) -> int:
    from sim.report.html import report_main
    return report_main(args.folder)


COMMANDS = {"dashboard": cmd_dashboard, "experiment": cmd_experiment, "report": cmd_report, "validate": cmd_validate,
            "run": cmd_run, "list": cmd_list, "show": cmd_show, "plot": cmd_plot, "landscape": cmd_landscape,
            "calibrate": cmd_calibrate, "hindcast": cmd_hindcast, "attribute": cmd_attribute, "compare": cmd_compare}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"alignsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:   # Ctrl-C, or SIGTERM/SIGHUP (sim.engine.signals.Terminated)
        signum = getattr(exc, "signum", signal.SIGINT)
        print("alignsim: " + ("interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"),
              file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        # the reader went away (`alignsim show X --keys | head`): stop quietly, as Unix tools do;
        # stdout is pointed at /dev/null so the interpreter's final flush cannot fail again
        import os
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def entry() -> None:
    """The `alignsim` console script (and `python -m sim`): `main`, then end the process at once.

    Tearing down an interpreter that holds numba's compiled kernels, llvmlite and matplotlib
    takes 0.3-0.5 s, a tenth of a small run. Every file alignsim writes is closed by the time
    `main` returns, and its workers are stopped, so only the standard streams are flushed.
    """
    import os
    rc = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(rc)


if __name__ == "__main__":
    entry()
