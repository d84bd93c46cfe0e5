"""Where the time of one `alignsim run` goes, phase by phase, in a fresh process each time:
start-up, imports, loading the scenario, loading (or compiling) the kernels, simulating,
the per-run analysis, summarising, writing the folder, and the figures (importing matplotlib,
then drawing).

    python3 benchmarks/bench_phases.py                         # june_war_pivot --runs 1000, 5 times
    python3 benchmarks/bench_phases.py --runs 20000 --keep summary
    python3 benchmarks/bench_phases.py --repeat 3 --scenario baseline_2024
    python3 benchmarks/bench_phases.py --source ../alignsim-before   # another checkout: before/after

The phases run one after the other here, through the same functions `alignsim run` calls; in
`alignsim run` itself the figure imports happen in a worker process while the model runs (see
sim/apps/figure_worker.py), so its wall time is less than the sum. A regression shows up in the
phase it happens in. Run from the repository's root folder; it writes only into a temporary
folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("start-up", "imports", "load scenario", "compile/load kernels", "simulate", "per-run analysis",
          "summarise", "write folder", "figures: import", "figures: draw")


class Clock:
    """Wall and CPU seconds spent in each phase; on a busy machine the CPU seconds stay what a
    quiet machine's wall seconds would be (everything here runs in this one process)."""

    def __init__(self):
        self.wall = dict.fromkeys(PHASES, 0.0)
        self.cpu = dict.fromkeys(PHASES, 0.0)
        self.paused = False

    def add(self, phase: str, wall: float, cpu: float) -> None:
        if not self.paused:
            self.wall[phase] += wall
            self.cpu[phase] += cpu

    def timed(self, phase: str, fn):
        def wrapper(*a, **k):
            w, c = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **k)
            finally:
                self.add(phase, time.perf_counter() - w, time.process_time() - c)
        return wrapper


def child(args) -> None:
    """One run, timed phase by phase; prints {"wall": {...}, "cpu": {...}} as JSON."""
    t_start = time.time()
    clock = Clock()
    clock.wall["start-up"] = t_start - float(os.environ["BENCH_SPAWNED"])
    clock.cpu["start-up"] = time.process_time()

    def imports():
        import sim.apps.cli  # noqa: F401  - what `alignsim` imports to parse its arguments
        from sim import scenario
        from sim.analysis.reducers import coalitions_and_balance
        from sim.engine import ensemble, folder, run
        return scenario, coalitions_and_balance, ensemble, folder, run
    scenario, coalitions_and_balance, ensemble, folder, run = clock.timed("imports", imports)()
    warm_up = run.warm_up

    def warm(*a, **k):
        w, c = time.perf_counter(), time.process_time()
        clock.paused = True
        try:
            return warm_up(*a, **k)
        finally:
            clock.paused = False
            clock.add("compile/load kernels", time.perf_counter() - w, time.process_time() - c)
    run.warm_up = warm
    ensemble.compile = clock.timed("simulate", ensemble.compile)
    ensemble.simulate = clock.timed("simulate", ensemble.simulate)
    ensemble.summ.summarize = clock.timed("summarise", ensemble.summ.summarize)
    folder.save_chunk = clock.timed("write folder", folder.save_chunk)
    folder.ResultFolder.finish = clock.timed("write folder", folder.ResultFolder.finish)
    reducer = None if args.no_analysis else clock.timed("per-run analysis", coalitions_and_balance)
    scen = clock.timed("load scenario", scenario.load)(args.source / "scenarios" / f"{args.scenario}.toml")
    out = Path(args.out)
    run.run_to_folder(scen, out, run.RunOptions(runs=args.runs, keep=args.keep, reducer=reducer, overwrite=True))
    if not args.no_figures:
        def figure_code():
            from sim.figures.run import draw_figures
            return draw_figures
        draw_figures = clock.timed("figures: import", figure_code)()
        clock.timed("figures: draw", draw_figures)(out)
    print(json.dumps({"wall": clock.wall, "cpu": clock.cpu}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="june_war_pivot")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--keep", choices=("full", "summary"), default=None)
    ap.add_argument("--no-analysis", action="store_true")
    ap.add_argument("--no-figures", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="measured runs, after one unmeasured (default 5)")
    ap.add_argument("--source", type=Path, default=ROOT,
                    help="the source tree to time (default this one; another checkout gives a before/after)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    env = {**os.environ, "PYTHONPATH": str(args.source.resolve()) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}
    runs = []
    with tempfile.TemporaryDirectory(prefix="alignsim-phases-") as tmp:
        cmd = [sys.executable, __file__, "--child", "--out", str(Path(tmp) / "run"), *sys.argv[1:],
               "--source", str(args.source.resolve())]
        for k in range(args.repeat + 1):
            env["BENCH_SPAWNED"] = repr(time.time())
            t0 = time.perf_counter()
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp)
            wall = time.perf_counter() - t0
            if res.returncode != 0:
                raise SystemExit(res.stderr[-3000:])
            if k:
                got = json.loads(res.stdout.splitlines()[-1])
                runs.append({"wall": {**got["wall"], "whole process": wall}, "cpu": got["cpu"]})
    what = f"{args.scenario} --runs {args.runs}" + (f" --keep {args.keep}" if args.keep else "") + \
        (" --no-analysis" if args.no_analysis else "") + (" --no-figures" if args.no_figures else "")
    print(f"alignsim run {what}: median of {args.repeat} fresh processes (seconds)")
    print(f"  {'phase':<24} {'wall':>7} {'(min-max)':<15} {'cpu':>7}")
    for phase in PHASES:
        w = [r["wall"][phase] for r in runs]
        c = [r["cpu"][phase] for r in runs]
        print(f"  {phase:<24} {statistics.median(w):7.3f} ({min(w):.3f}-{max(w):.3f}) {statistics.median(c):7.3f}")
    total_w = statistics.median(sum(r["wall"][p] for p in PHASES) for r in runs)
    total_c = statistics.median(sum(r["cpu"][p] for p in PHASES) for r in runs)
    whole = [r["wall"]["whole process"] for r in runs]
    print(f"  {'sum of the phases':<24} {total_w:7.3f} {'':<15} {total_c:7.3f}")
    print(f"  {'whole process':<24} {statistics.median(whole):7.3f} ({min(whole):.3f}-{max(whole):.3f})")


if __name__ == "__main__":
    main()
