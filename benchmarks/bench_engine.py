"""Engine speed, side by side with the one-by-one Mesa path, at growing sizes.

    python3 benchmarks/bench_engine.py                 # the full table (about 15 minutes)
    python3 benchmarks/bench_engine.py --quick         # 10^3 and 10^4 runs only

Every measurement runs in a fresh subprocess through the same code as `alignsim run`
(chunks -> executor -> streaming result folder, --keep summary, no coalition analysis,
no figures), on the flagship june_war_pivot with every mechanism on. It prints:
  1. run-steps/s at 10^3..10^6 runs, in process and with 2 worker processes, peak RSS
     (parent, and the largest worker), and the ratio to the one-by-one Mesa path;
  2. the 1 -> 2 worker scaling efficiency;
  3. the cost per run-step for generated scenarios of 5, 10, 20 and 40 actors;
  4. the cost of the per-run coalition and balance analysis, on and off.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from sim.engine import executor as ex
    from sim import scenario
    from sim.engine.ensemble import Job, warm_up
    from sim.engine.folder import ResultFolder, run_job
    cfg = json.loads(sys.argv[1])
    scen = scenario.load(cfg["scenario"])
    reducer = None
    if cfg["analysis"]:
        from sim.analysis.reducers import coalitions_and_balance as reducer
    job = Job(scen, 1, cfg["runs"], cfg["steps"] or scen.steps, cfg["chunk"], "summary", None, reducer)
    folder = ResultFolder(Path(cfg["out"]), job, {{"actors": list(scen.actor_ids)}}, overwrite=True)
    # the order of `alignsim run`: the pool starts, the model is compiled here meanwhile, then the clock
    e = ex.make(cfg["backend"], cfg["workers"], None, 0)
    warm_up(scen, reducer)
    t0 = time.perf_counter()
    timings = run_job(job, folder, e)
    sim = time.perf_counter() - t0
    e.close()
    folder.finish({{}})
    kb = 1024
    print(json.dumps({{"seconds": sim, "rate": job.runs * job.steps / sim,
                      "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kb,
                      "rss_worker_mb": timings["peak_rss_mb_chunk_process"]}}))
""").format(root=str(ROOT))

MESA = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    from sim import scenario
    from sim.model.agents import AlignmentModel
    scen = scenario.load(sys.argv[1]); runs = int(sys.argv[2])
    t0 = time.perf_counter()
    for r in range(runs):
        m = AlignmentModel(scen, seed=1, run=r)
        while m.running:
            m.step()
    print(json.dumps({{"rate": runs * scen.steps / (time.perf_counter() - t0)}}))
""").format(root=str(ROOT))


def child(code: str, *args) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(scenario: str, runs: int, backend: str, workers: int, chunk: int = 2000, steps=None,
            analysis=False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = dict(scenario=scenario, runs=runs, backend=backend, workers=workers, chunk=chunk,
                   steps=steps, analysis=analysis, out=str(Path(tmp) / "r"))
        return child(CHILD, json.dumps(cfg))


def generated(n: int, folder: Path) -> str:
    sys.path.insert(0, str(ROOT))
    import numpy as np
    from tests.helpers import random_scenario_toml
    path = folder / f"gen{n}.toml"
    path.write_text(random_scenario_toml(np.random.default_rng(n), n, steps=48, n_shocks=8, n_corridors=4,
                                         noise=0.02))
    return str(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10^3 and 10^4 runs only, fewer actor sizes")
    ap.add_argument("--mesa-runs", type=int, default=30)
    args = ap.parse_args()
    flagship = str(ROOT / "scenarios" / "june_war_pivot.toml")
    sizes = [10**3, 10**4] if args.quick else [10**3, 10**4, 10**5, 10**6]

    mesa = child(MESA, flagship, str(args.mesa_runs))["rate"]
    print(f"flagship june_war_pivot, 5 actors, 48 monthly steps, 7 shocks; one-by-one Mesa path: "
          f"{mesa:,.0f} run-steps/s ({args.mesa_runs} runs)\n")
    print(f"{'runs':>9} | {'in-process':>12} {'x Mesa':>7} {'RSS MB':>7} | {'2 workers':>12} {'x Mesa':>7} "
          f"{'RSS MB parent/worker':>21} | {'2w/1w':>6}")
    for n in sizes:
        one = measure(flagship, n, "inprocess", 1)
        two = measure(flagship, n, "processes", 2)
        print(f"{n:>9,} | {one['rate']:>12,.0f} {one['rate'] / mesa:>7.0f} {one['rss_parent_mb']:>7.0f} | "
              f"{two['rate']:>12,.0f} {two['rate'] / mesa:>7.0f} "
              f"{two['rss_parent_mb']:>10.0f}/{two['rss_worker_mb']:<10.0f} | {two['rate'] / one['rate']:>6.2f}")

    print("\ncost per run-step by number of actors (10^4 runs, in process, generated scenarios)")
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for n in ([5, 10] if args.quick else [5, 10, 20, 40]):
            r = measure(generated(n, Path(tmp)), 10**4 if n < 40 else 2000, "inprocess", 1,
                        chunk=2000 if n <= 10 else 500)
            us = 1e6 / r["rate"]
            base = base or us
            print(f"  {n:>3} actors: {us:8.2f} us per run-step ({us / base:5.1f}x; N^2 ratio {(n / 5) ** 2:5.1f}x)")

    print("\nper-run coalition and balance analysis (10^4 runs, in process)")
    off = measure(flagship, 10**4, "inprocess", 1)["rate"]
    on = measure(flagship, 10**4, "inprocess", 1, analysis=True)["rate"]
    print(f"  off {off:,.0f} run-steps/s; on {on:,.0f} run-steps/s")


if __name__ == "__main__":
    main()
