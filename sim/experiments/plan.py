"""What an experiment will cost before it starts: runs, time and memory, and whether this
machine can hold it.

The runs are streamed chunk by chunk (sim.experiments.runners.evaluate), so memory does not
hold every run's arrays: it holds the chunks in flight, and for every run its outcome values,
its parameter values and, for comparisons, the key pairs' series over time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.core.errors import ScenarioError

RATE = 300_000          # run-steps per second per worker, outcomes included (benchmarks/README.md)
FIXED_SECONDS = 5.0     # loading the model, writing the tables and drawing the figures
BASE_BYTES = 350e6      # the interpreter, numpy, numba, the compiled model and the figure code
IN_FLIGHT = 2           # chunks per worker held at once (sim.engine.executor)
SAFE_SHARE = 0.8        # of the available memory an experiment may plan to use


@dataclass(frozen=True)
class Plan:
    """The cost of an experiment.

    Attributes
    ----------
    runs : int
        Runs over all analyses.
    run_steps : int
        Runs times months, the work.
    seconds : float
        Estimated time on `workers` workers.
    peak_bytes : float
        Estimated peak memory.
    workers : int
    available_bytes : float or None
        Memory this machine has available now (None when unknown).
    """

    runs: int
    run_steps: int
    seconds: float
    peak_bytes: float
    workers: int
    available_bytes: float | None

    def describe(self) -> str:
        """One line for the terminal."""
        have = f" of {self.available_bytes / 1e9:.1f} GB available" if self.available_bytes else ""
        return (f"{self.runs:,} runs ({self.run_steps:,} run-steps): about {_duration(self.seconds)} on "
                f"{self.workers} worker{'s' if self.workers != 1 else ''} and {self.peak_bytes / 1e9:.1f} GB{have}")


def plan(exp, workers: int | None = None) -> Plan:
    """The runs, time and memory an experiment needs.

    Parameters
    ----------
    exp : sim.experiments.spec.Experiment
    workers : int, optional
        Worker processes; default: one for small experiments, all cores for large ones (as
        sim.engine.executor chooses).

    Returns
    -------
    Plan
    """
    from sim.experiments.runners import CHUNK, total_run_steps
    run_steps = total_run_steps(exp)
    cores = os.cpu_count() or 1
    if workers is None:
        workers = cores if run_steps > 8_000_000 else 1
    runs, retained, chunk = 0, 0.0, 0.0
    for an in exp.analyses:
        if an.type == "attribution":     # every variant's series of the pair, float64, then its rows
            s = exp.scenarios[an.scenario]
            runs += an.runs * an.n_points
            retained += 2 * an.runs * an.n_points * (s.steps + 1) * 8
            chunk = max(chunk, min(CHUNK, an.runs) * _bytes_per_run(s))
            continue
        scens = [exp.scenarios[s] for s in an.scenarios] if an.type == "compare" else [exp.scenarios[an.scenario]]
        n_runs = an.runs * (1 if an.type == "compare" else an.n_points)
        outcomes = len(an.outcomes) if an.type != "discovery" else 1
        for s in scens:
            runs += n_runs
            retained += n_runs * (9 * outcomes + 8 * len(getattr(an, "parameters", ())))
            if an.type == "compare":
                retained += 3 * n_runs * (s.steps + 1) * len(an.pairs) * 4   # series, and its quantile copies
            chunk = max(chunk, min(CHUNK, n_runs) * _bytes_per_run(s))
    peak = BASE_BYTES + retained + IN_FLIGHT * workers * chunk
    return Plan(runs, run_steps, FIXED_SECONDS + run_steps / (RATE * workers), peak, workers, available_memory())


def check(p: Plan, path, scale: float) -> None:
    """Refuse an experiment this machine cannot hold.

    Raises
    ------
    ScenarioError
        When the estimated peak exceeds SAFE_SHARE of the available memory.
    """
    if p.available_bytes and p.peak_bytes > SAFE_SHARE * p.available_bytes:
        raise ScenarioError(path, "--scale", scale, f"{p.runs:,} runs would need about {p.peak_bytes / 1e9:.1f} GB "
                            f"of memory and this machine has {p.available_bytes / 1e9:.1f} GB available: "
                            "a smaller --scale fits")


def available_memory() -> float | None:
    """Bytes of memory available now (Linux: MemAvailable), else the physical memory, else None."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _bytes_per_run(scen) -> int:
    """Bytes of recorded arrays per run in a chunk: per step, the recorded (n, n) float32
    arrays (about ten) and military strength (n,)."""
    n, t = len(scen.actors), scen.steps + 1
    return 4 * t * (10 * n * n + n)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
