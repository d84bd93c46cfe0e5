"""The dashboard's loop: a slider moved to a redrawn fan chart, 200 runs.

What the page does on a change, without the browser: the changed value becomes a --set
override, the ensemble of 200 runs is computed (sim.apps.dashboard.state.compute, which also
needs the unchanged scenario's ensemble, cached after the first change), and the fan chart is
drawn as PNG (sim.figures.dashboard.fan_png). Each change sets a value not seen before, so no
cache answers for it. The page's own overhead (websocket, image transfer) is not included.

    python3 benchmarks/bench_dashboard.py            # 7 changes after 2 unmeasured
    python3 benchmarks/bench_dashboard.py --changes 15
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--changes", type=int, default=7, help="measured slider changes (default 7)")
    ap.add_argument("--runs", type=int, default=200, help="the page's runs (default 200)")
    args = ap.parse_args()
    from sim.apps.dashboard import state
    from sim.figures import dashboard as charts
    path = ROOT / "scenarios" / "june_war_pivot.toml"
    seed = 20250613
    compute, draw = [], []
    for k in range(args.changes + 2):
        overrides = (f"actors.china.sanctions_risk_tolerance={0.2 + 0.013 * k:.3f}",)
        t0 = time.perf_counter()
        r = state.compute(path, overrides, args.runs, seed)
        t1 = time.perf_counter()
        charts.fan_png(r, state.default_pairs(r.scen), 30)
        t2 = time.perf_counter()
        if k >= 2:    # the first changes load the kernels and the base scenario's ensemble
            compute.append(t1 - t0)
            draw.append(t2 - t1)
    total = [a + b for a, b in zip(compute, draw)]
    print(f"slider change -> redrawn fan chart, {args.runs} runs, median of {args.changes} changes (seconds)")
    for label, v in (("ensemble", compute), ("fan chart PNG", draw), ("total", total)):
        print(f"  {label:<14} {statistics.median(v):6.3f}   ({min(v):.3f}-{max(v):.3f})")


if __name__ == "__main__":
    main()
