"""`alignsim run`: a scenario's ensemble into a result folder, then its figures.

The figures are drawn by a worker process started before anything heavy is imported
(sim.apps.figure_worker), so loading matplotlib overlaps loading the model and simulating.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

from sim.apps.catalog import find
from sim.core.errors import ScenarioError

DEFAULT_RUNS = 1000
DEFAULT_SEED = 20250613   # as sim.engine.run.DEFAULT_SEED, without importing the engine to parse arguments
HEADLINE = ("figures/fan_chart.png", "final.csv", "quantiles.csv", "coalitions.csv")


def default_out(name: str, overrides, seed: int, runs: int, steps: int, file_steps: int) -> Path:
    """The result folder when --out is not given: results/NAME for the scenario as its file
    has it (no --set, the default seed and runs, the file's steps), else results/NAME-HASH, a
    short hash of what differs, so variants never collide.

    Parameters
    ----------
    name : str
        The scenario's name.
    overrides : sequence of str
        The --set overrides; the same values written differently (0.20, 0.2) hash the same.
    seed, runs, steps : int
        As run.
    file_steps : int
        The scenario file's own steps.

    Returns
    -------
    Path
    """
    from sim.scenario import parse_override
    values = dict(parse_override(o) for o in overrides)
    if not values and seed == DEFAULT_SEED and runs == DEFAULT_RUNS and steps == file_steps:
        return Path("results") / name
    variant = json.dumps({"set": sorted(values.items()), "seed": seed, "runs": runs, "steps": steps},
                         sort_keys=True, default=str)
    return Path("results") / f"{name}-{hashlib.sha256(variant.encode()).hexdigest()[:8]}"


def check_resume(scen, out: Path, opts) -> None:
    """Refuse --resume of a finished folder, naming how it differs from this command.

    Raises
    ------
    ScenarioError
        When `out` holds a finished run.
    """
    path = out / "manifest.json"
    try:
        man = json.loads(path.read_text())
    except (OSError, ValueError):
        return   # the engine reports a missing or unreadable manifest
    if not isinstance(man, dict) or not man.get("complete"):   # the engine reports one that is not alignsim's
        return
    from sim.engine.folder import job_options
    from sim.engine.run import job_for
    now = job_options(job_for(scen, out, opts))
    old = man.get("options", {})
    there = man.get("scenario", {}).get("name")
    diffs = [] if there == scen.name else [f"scenario {there} there, {scen.name} now"]
    if there == scen.name and old.get("scenario_sha256") != now["scenario_sha256"]:
        diffs.append(f"the scenario's values (--set {man.get('scenario', {}).get('overrides') or 'none'} there, "
                     f"{list(opts.overrides) or 'none'} now, or an edited file)")
    diffs += [f"{k} {old.get(k)!r} there, {v!r} now" for k, v in now.items()
              if k != "scenario_sha256" and old.get(k) != v]
    what = ("it differs from this command: " + "; ".join(diffs)) if diffs else "it is this very run"
    raise ScenarioError(out, "--resume", str(out), f"holds a finished run, nothing to resume; {what}. "
                        "Use --out for a new folder, or --out DIR --overwrite to replace it")


def cmd_run(args) -> int:
    """`alignsim run SCENARIO ...`: see sim.apps.cli for the options. Returns the exit status."""
    from sim.apps.figure_worker import FigureWorker
    worker = None if args.no_figures else FigureWorker(parallel="numpy" not in sys.modules)
    try:
        return _run(args, worker)
    finally:
        if worker is not None:
            worker.close()


def _run(args, worker) -> int:
    from sim import scenario
    from sim.engine.run import Interrupted, RunOptions, run_to_folder

    t0 = time.perf_counter()
    scen = scenario.load(find(args.scenario, "scenarios", args.dir), args.overrides)
    out = args.resume or args.out or default_out(scen.name, args.overrides, args.seed, args.runs,
                                                 args.steps or scen.steps, scen.steps)
    reducer = None
    if not args.no_analysis:
        from sim.analysis.reducers import coalitions_and_balance as reducer
    opts = RunOptions(runs=args.runs, seed=args.seed, steps=args.steps, keep=args.keep, chunk_size=args.chunk_size,
                      backend=args.backend, workers=args.workers, scheduler=args.scheduler, reducer=reducer,
                      overwrite=args.overwrite, resume=args.resume is not None,
                      request={"command": ["alignsim", *sys.argv[1:]]}, overrides=tuple(args.overrides),
                      strict=args.strict)
    if args.resume:
        check_resume(scen, out, opts)
    bar = None

    def progress(total):
        nonlocal bar
        if args.quiet:
            return None
        from tqdm import tqdm
        bar = tqdm(total=total, unit="run-step", unit_scale=True, desc=scen.name, file=sys.stderr,
                   dynamic_ncols=True, smoothing=0.1)
        return bar.update

    def status(message):
        if not args.quiet:
            print(f"\r{message:<72}", file=sys.stderr, end="", flush=True)

    def draw(folder_out):
        # started once the tables are written, finished while the folder is still locked, so the
        # manifest lists the figures it holds
        figures = worker.start(folder_out, args.formats, args.all_figures,
                               lambda name: status(f"drawing figures: {name}..."))

        def wait():
            paths = figures()
            status("")
            if not args.quiet:
                print("\r", end="", file=sys.stderr)
            return paths
        return wait

    try:
        folder, timings = run_to_folder(scen, out, opts, progress=progress, status=status,
                                        draw=None if worker is None else draw)
    except Interrupted as exc:
        import signal
        how = "interrupted" if exc.signum == signal.SIGINT else f"stopped by {signal.Signals(exc.signum).name}"
        print(f"\nalignsim: {how}; {exc.saved} of {exc.total} chunks are saved in {out}/. Finish with the "
              f"same command and --resume {out}", file=sys.stderr)
        return 128 + exc.signum
    finally:
        if bar:
            bar.close()
    print(_closing(folder, out, args, timings, time.perf_counter() - t0))
    return 0


def _closing(folder, out: Path, args, timings: dict, wall: float) -> str:
    """What was run, how long it took, and where the results are: only files that exist."""
    steps, rate = folder.job.steps, timings["run_steps_per_second"]
    sim_rate = f"{rate:,.0f} run-steps/s" if rate else "all chunks reused"
    what = "tables" if args.no_figures else "tables and figures"
    lines = [f"{args.runs:,} runs x {steps} steps on {timings['backend']} ({timings['workers']} worker"
             f"{'s' if timings['workers'] != 1 else ''}): simulation {timings['wall_seconds']:.1f} s ({sim_rate}), "
             f"total with {what} {wall:.1f} s; seed {args.seed}"]
    files = set(folder.manifest.get("files", []))
    shown = ", ".join(f for f in HEADLINE if f in files)
    note = "" if not args.no_figures else f"; no figures (`alignsim plot {out}` draws them)"
    lines.append(f"results in {out}/  ({shown}{note})")
    suffixed = "-" in out.name and out.name.rsplit("-", 1)[0] == folder.job.scenario.name
    if args.out is None and args.resume is None and suffixed:
        lines.append("  the folder's suffix stands for this seed, run count and --set values; --out names another")
    if not args.no_figures and "figures/coalition_network.png" not in files and "coalitions.csv" in files:
        from sim.engine.tables import settled_structure
        line = settled_structure(folder.out)
        if line:
            lines.append(f"  {line} (no network figure; --all-figures draws it)")
    return "\n".join(lines)
