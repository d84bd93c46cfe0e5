"""Speed of the vectorized ensemble against the one-run-at-a-time Mesa path, side by side.

    python3 benchmarks/bench_ensemble.py [--sizes 1000 10000] [--mesa-runs 20]

Prints run-steps per second for each ensemble size and for running the same scenario's runs
one by one through the Mesa model (what a Mesa batch_run user would do), and their ratio.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from sim import scenario
from sim.ensemble import run_ensemble
from sim.model import AlignmentModel

ROOT = Path(__file__).resolve().parents[1]


def mesa_rate(scen, runs: int, seed: int) -> float:
    t0 = time.perf_counter()
    for r in range(runs):
        m = AlignmentModel(scen, seed=seed, run=r)
        while m.running:
            m.step()
    return runs * scen.steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "june_war_pivot.toml"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--mesa-runs", type=int, default=20)
    ap.add_argument("--chunk-size", type=int, default=2000)
    args = ap.parse_args()
    scen = scenario.load(args.scenario)
    base = mesa_rate(scen, args.mesa_runs, 1)
    print(f"scenario {scen.name}: {len(scen.actors)} actors, {scen.steps} steps, {len(scen.shocks)} shocks")
    print(f"{'runs':>9} {'run-steps/s':>13} {'x Mesa one-by-one':>18} {'peak RSS MB':>12}")
    print(f"{'Mesa':>9} {base:13,.0f} {1.0:18.1f}")
    for n in args.sizes:
        e = run_ensemble(scen, n, 1, chunk_size=args.chunk_size)
        rate = e.timings["run_steps_per_second"]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>9} {rate:13,.0f} {rate / base:18.1f} {rss:12.0f}")


if __name__ == "__main__":
    main()
