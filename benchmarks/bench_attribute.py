"""Time `alignsim attribute` on the flagship against its baseline, the whole process.

    python3 benchmarks/bench_attribute.py               # 1,000 runs per variant, once
    python3 benchmarks/bench_attribute.py --repeat 3    # three times: the spread on a shared machine
    python3 benchmarks/bench_attribute.py --by mechanism

Each measurement is one fresh process, `python -m sim.apps.cli attribute scenarios/june_war_pivot.toml
--pair iran china --runs N --out TMP --quiet`: start-up, imports, compiling or loading the kernels
from numba's cache, every variant, the tables and both figures. Printed: the wall time, the
simulation's share of it (from the manifest), the backend and workers, and the load average
before and after, because on a shared machine other jobs' load changes the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0


def measure(runs: int, by: str) -> dict:
    """One whole `alignsim attribute` process: wall seconds and what its manifest says."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "attr"
        cmd = [sys.executable, "-m", "sim.apps.cli", "attribute", "scenarios/june_war_pivot.toml", "--pair", "iran",
               "china", "--runs", str(runs), "--by", by, "--out", str(out), "--quiet"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        man = json.loads((out / "manifest.json").read_text())
    return {"wall": wall, "simulation": man["timings"]["simulation_seconds"], "backend": man["timings"]["backend"],
            "workers": man["timings"]["workers"], "variants": man["attribution"]["variants"],
            "load": (load_before, os.getloadavg()[0])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000, help="runs per variant (default 1000)")
    ap.add_argument("--by", choices=("factor", "mechanism"), default="factor")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print(f"alignsim attribute june_war_pivot --pair iran china --runs {args.runs} --by {args.by}; "
          f"{os.cpu_count()} cores")
    walls = []
    for k in range(args.repeat):
        m = measure(args.runs, args.by)
        walls.append(m["wall"])
        print(f"  #{k + 1}: {m['wall']:.1f} s whole process ({m['simulation']:.1f} s simulating {m['variants']} "
              f"variants x {args.runs:,} runs on {m['backend']}, {m['workers']} workers); load average "
              f"{m['load'][0]:.1f} before, {m['load'][1]:.1f} after")
    best = min(walls)
    print(f"best {best:.1f} s, worst {max(walls):.1f} s: {'under' if max(walls) < TARGET_SECONDS else 'OVER'} "
          f"the {TARGET_SECONDS:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
