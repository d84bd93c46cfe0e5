"""End-to-end latency of the commands a user waits for, as whole processes, side by side with a
reference process timed in the same script.

The reference is the smallest thing a Python plotting tool does: start, import numpy and
matplotlib, draw one line and save a PNG. Each command and the reference run in turn (A B A B
...), so a ratio is taken between neighbours in time and survives the machine's drift; the
table gives medians of the warm runs (after one unmeasured run that fills the caches), with
their CPU seconds: on a busy machine wall times stretch, CPU seconds much less.

    python3 benchmarks/bench_latency.py              # about 3 minutes on 2 cores
    python3 benchmarks/bench_latency.py --repeat 3   # fewer repetitions
    python3 benchmarks/bench_latency.py --cold       # also the first run after installing (compiles)
    python3 benchmarks/bench_latency.py --source ../alignsim-before   # another checkout alone
    python3 benchmarks/bench_latency.py --before ../alignsim-before   # both, interleaved: before/after
    python3 benchmarks/bench_latency.py --only run                    # only the cases that contain "run"

Run it from the repository's root folder; it writes only into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ("import numpy, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
             "plt.plot([0, 1]); plt.savefig('x.png')")
CASES = [   # {tmp}: a temporary folder; {src}: the source tree timed (--source)
    ("alignsim --help", ["--help"]),
    ("alignsim list", ["list", "--dir", "{src}/scenarios"]),
    ("alignsim show june_war_pivot", ["show", "june_war_pivot", "--dir", "{src}/scenarios"]),
    ("alignsim run june_war_pivot --runs 1000  (PNG figures)",
     ["run", "june_war_pivot", "--runs", "1000", "--out", "{tmp}/r1000", "--overwrite", "--quiet"]),
    ("  the same, --no-figures", ["run", "june_war_pivot", "--runs", "1000", "--out", "{tmp}/r1000n", "--overwrite",
                                  "--quiet", "--no-figures"]),
    ("alignsim run june_war_pivot --runs 20000 --keep summary  (analysis and figures)",
     ["run", "june_war_pivot", "--runs", "20000", "--keep", "summary", "--out", "{tmp}/r20k", "--overwrite",
      "--quiet"]),
    ("  the same, --no-figures --no-analysis",
     ["run", "june_war_pivot", "--runs", "20000", "--keep", "summary", "--out", "{tmp}/r20kn", "--overwrite",
      "--quiet", "--no-figures", "--no-analysis"]),
]


CPU = []   # CPU seconds (user + system) of each timed process and the processes it waited for


def wall(cmd: list[str], cwd: Path, env: dict) -> float:
    """Seconds from start to exit of one process; its output is discarded. Its CPU seconds,
    which a busy machine inflates far less than wall time, are appended to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    return took


def interleaved(cmds: list[tuple[list[str], dict]], cwd: Path, repeat: int):
    """For each (command, env) and then the reference: (walls, CPUs) over `repeat` rounds that
    run each once in turn, after one warm-up round."""
    ref = ([sys.executable, "-c", REFERENCE], cmds[0][1])
    everything = [*cmds, ref]
    for cmd, env in everything:
        wall(cmd, cwd, env)
    walls, cpus = [[] for _ in everything], [[] for _ in everything]
    for _ in range(repeat):
        for k, (cmd, env) in enumerate(everything):
            walls[k].append(wall(cmd, cwd, env))
            cpus[k].append(CPU[-1])
    return walls, cpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="measured runs of each command (default 5)")
    ap.add_argument("--cold", action="store_true", help="also time a run with an empty kernel cache")
    ap.add_argument("--source", type=Path, default=ROOT,
                    help="the source tree to time (default this one; another checkout gives a before/after)")
    ap.add_argument("--before", type=Path, default=None,
                    help="another checkout timed in the same rounds as --source, each command in turn")
    ap.add_argument("--only", default=None, help="time only the cases whose label contains this text")
    args = ap.parse_args()
    trees = [("before", args.before.resolve())] if args.before else []
    trees.append(("after" if args.before else "", args.source.resolve()))
    src = trees[-1][1]
    tmp = Path(tempfile.mkdtemp(prefix="alignsim-latency-"))
    alignsim = [sys.executable, "-m", "sim"]
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'command':<78} {'median s':>9} {'min-max s':>11} {'ref s':>6} {'÷ ref':>6} {'cpu s':>6} {'ref cpu':>7}")
    try:
        for label, argv in CASES:
            if args.only and args.only not in label:
                continue
            cmds = []
            for name, tree in trees:
                env = {**os.environ, "PYTHONPATH": str(tree) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                       "MPLBACKEND": "Agg"}
                cmd = alignsim + [a.format(tmp=tmp / name, src=tree) for a in argv]
                if argv[0] == "run":
                    cmd += ["--dir", str(tree / "scenarios")]
                cmds.append((cmd, env))
            walls, cpus = interleaved(cmds, tmp, args.repeat)
            b, cb = walls[-1], cpus[-1]
            for (name, _), a, ca in zip(trees, walls, cpus):
                ratio = statistics.median(x / y for x, y in zip(a, b))
                row = f"{label}  [{name}]" if name else label
                print(f"{row:<78} {statistics.median(a):>9.2f} {min(a):>5.2f}-{max(a):<5.2f} "
                      f"{statistics.median(b):>6.2f} {ratio:>6.2f} {statistics.median(ca):>6.2f} "
                      f"{statistics.median(cb):>7.2f}", flush=True)
        if args.cold:
            env = {**os.environ, "PYTHONPATH": str(src) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   "MPLBACKEND": "Agg"}
            cold_env = {**env, "XDG_CACHE_HOME": str(tmp / "empty-cache")}
            cold_env.pop("NUMBA_CACHE_DIR", None)
            cmd = alignsim + ["run", "june_war_pivot", "--runs", "1000", "--out", str(tmp / "cold"), "--quiet",
                              "--dir", str(src / "scenarios")]
            print(f"{'  cold: the first run after installing (kernels compiled)':<78} {wall(cmd, tmp, cold_env):>9.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
