"""Kernel throughput on one core: the compiled months of a chunk of runs (`simulate`, recording
alignment only), best of 5, and the cost of compiling the chunk, per run-step.

    python3 benchmarks/bench_kernel.py                              # june_war_pivot, 2,000 runs
    python3 benchmarks/bench_kernel.py wider_region_june_war 512    # any scenario file or name, runs

Run from the repository's root folder. Results in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from sim import scenario
from sim.engine.ensemble import simulate
from sim.model.compile import compile


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "june_war_pivot"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    path = Path(name) if name.endswith(".toml") else Path("scenarios") / f"{name}.toml"
    scen = scenario.load(path)
    c = compile(scen, 1, np.arange(runs), scen.steps)
    simulate(c, record=("alignment",))   # compile or load the kernels
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        simulate(c, record=("alignment",))
        best = min(best, time.perf_counter() - t)
    t = time.perf_counter()
    compile(scen, 1, np.arange(runs), scen.steps)
    tc = time.perf_counter() - t
    per = runs * scen.steps
    print(f"{scen.name}: {len(scen.actor_ids)} actors, {runs} runs x {scen.steps} steps: kernel "
          f"{best / per * 1e6:.3f} us per run-step ({per / best:,.0f} run-steps/s); compiling the chunk "
          f"{tc / per * 1e6:.3f} us per run-step")


if __name__ == "__main__":
    main()
