"""Checks made before a run writes anything: option ranges, shocks the horizon never reaches,
and whether the run's files and memory will fit.

The sizes are estimates from the run's shape (runs, steps, actors, chunk size, workers and
`keep`), written to err on the large side; they decide refusals only when a run clearly
cannot fit.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.engine.ensemble import RECORDED, Job
from sim.engine.summary import METRICS, bins_for
from sim.scenario.schema import MAX_STEP

MAX_STEPS = MAX_STEP       # the cap scenario files have on time.steps
MAX_SEED = 2 ** 63 - 1      # seeds are stored as int64
MAX_RUNS = 10 ** 12
WARN_BYTES = 10 * 10 ** 9   # above this a run says how much it will write
PROCESS_BYTES = 400 * 2 ** 20   # one Python process with numpy, scipy and the compiled model
CLI = "command line"


def check_options(seed, runs, steps, chunk_size, workers) -> None:
    """Reject option values outside what a run can use.

    Raises
    ------
    ScenarioError : naming the option, its value and the allowed range.
    """
    def bad(key, value, lo, hi):
        ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        if not ok:
            raise ScenarioError(CLI, key, value, f"must be an integer in [{lo}, {hi}]")
    bad("--seed", seed, 0, MAX_SEED)
    bad("--runs", runs, 1, MAX_RUNS)
    for key, value, hi in (("--steps", steps, MAX_STEPS), ("--chunk-size", chunk_size, MAX_RUNS),
                           ("--workers", workers, 4096)):
        if value is not None:
            bad(key, value, 1, hi)


def horizon_warnings(scen, steps: int) -> list[ScenarioError]:
    """What will never happen in a run of `steps` months, as one-line messages.

    Each enabled shock, random-shock window or corridor opening after the file's own horizon
    gets a message of its own (the file contradicts itself); those that a shorter --steps cuts
    off get one message together (the user chose the shorter run)."""
    out, late, cut = [], [], []
    for s in scen.shocks:
        if s.enabled and s.at is not None:
            late.append((s.at, f"shocks.{s.name}.at", "the shock never fires", s.name))
        elif s.enabled and s.window[0] < 10 ** 9:
            late.append((s.window[0], f"shocks.{s.name}.window", "the shock never fires", s.name))
    late += [(c.opens, f"corridors.{c.id}.opens", "the corridor never opens", c.id) for c in scen.corridors]
    for step, key, what, name in late:
        if step > scen.steps:
            out.append(ScenarioError(scen.path, key, scen.date(step), f"is after the horizon {scen.date(scen.steps)} "
                                     f"(step {scen.steps}): {what}"))
        elif step > steps:
            cut.append(name)
    if cut:
        out.append(ScenarioError(CLI, "--steps", steps, f"ends the run in {scen.date(steps)}, before "
                                 f"{len(cut)} event{'s' if len(cut) > 1 else ''} of {Path(str(scen.path)).name} "
                                 f"happen: {', '.join(cut)}"))
    return out


@dataclass(frozen=True)
class Needs:
    """Estimated peak disk use of a run (for its keep and for keep summary) and peak memory."""
    disk: int
    disk_summary: int
    memory: int


def estimate(job: Job, workers: int) -> Needs:
    """What a job will take at its peak: chunks plus the assembled files on disk (the chunks
    are deleted only after assembly), and the processes, the chunks in flight, the merged
    histograms and the exact quantiles in memory."""
    n, t1, runs, chunk = len(job.scenario.actors), job.steps + 1, job.runs, min(job.chunk_size, job.runs)
    pairs = 3 * n * (n - 1) // 2
    bins = bins_for(n)
    metrics = len(METRICS) if job.with_analysis else 0
    per_run = (t1 * n * n * 4 * len(RECORDED) + t1 * n * 4 + t1 * metrics * 4
               + 32 * len(job.scenario.shocks) * (1 + job.steps // 24))
    nonzero = min(chunk, bins, 300)   # filled bins per step and pair: measured well below this
    chunk_summary = t1 * (pairs + metrics) * nonzero * 6
    tables = t1 * (pairs + metrics) * 80
    summary_disk = job.n_chunks * chunk_summary + t1 * (pairs + metrics) * min(runs, bins) * 6 + tables
    disk = summary_disk + 2 * runs * per_run if job.keep == "full" else summary_disk
    in_chunk = chunk * t1 * ((n * n * len(RECORDED) + n) if job.keep == "full" else (n * n + n)) * 4 * 2
    merged = t1 * (pairs + metrics) * bins * 8 * 2
    exact = runs * n * n * 8 * 4 if job.keep == "full" and runs <= 200_000 else 0
    memory = PROCESS_BYTES * (1 + (workers if workers > 1 else 0)) + max(workers, 1) * in_chunk + merged + exact
    return Needs(int(disk), int(summary_disk), int(memory))


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes (None where there is no such file)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def gb(n: int) -> str:
    """Bytes as text in GB (MB below 1 GB)."""
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{max(n, 1) / 1e6:,.0f} MB"


def check_resources(job: Job, workers: int, folder: Path, credit: int = 0, warn=None) -> Needs:
    """Refuse a run that will not fit; warn when it will write more than 10 GB.

    Parameters
    ----------
    job : the run.
    workers : processes that will compute chunks.
    folder : the result folder (its file system is the one measured).
    credit : bytes already there that count toward the need: saved chunks on resume, or
        alignsim's earlier files that --overwrite removes.
    warn : called with a one-line message.

    Raises
    ------
    ScenarioError : the disk or the memory will not hold the run (with what would fit).
    """
    need = estimate(job, workers)
    free = shutil.disk_usage(folder).free + credit
    summary_hint = (f"; --keep summary needs about {gb(need.disk_summary)}" if job.keep == "full" else "")
    if need.disk > free:
        raise ScenarioError(folder, "--runs", job.runs, f"needs about {gb(need.disk)} on disk with --keep {job.keep} "
                            f"but {gb(free)} are free there{summary_hint}")
    mem = available_memory()
    if mem is not None and need.memory > mem:
        raise ScenarioError(folder, "--runs", job.runs, f"needs about {gb(need.memory)} of memory ({workers} "
                            f"worker{'s' if workers != 1 else ''}, {job.chunk_size}-run chunks, {job.steps} steps) "
                            f"but {gb(mem)} is available; use fewer --workers or --steps, a smaller --chunk-size"
                            + (" or --keep summary" if job.keep == "full" else ""))
    if need.disk > WARN_BYTES and warn is not None:
        warn(f"{folder}: this run will write about {gb(need.disk)} (--keep {job.keep}){summary_hint}")
    return need


def default_workers(workers: int | None) -> int:
    """The worker count a run uses when none is given."""
    return workers or os.cpu_count() or 1
