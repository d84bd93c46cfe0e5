"""One run function for every caller: a scenario's ensemble into a result folder.

The command line (`alignsim run`), the dashboard and any script call `run_to_folder`; none of
them builds command-line strings. Figures are drawn by the caller (sim.figures.run), which
records them with `ResultFolder.add_files`.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sim.engine import executor as ex
from sim.engine.ensemble import Job, default_chunk, warm_up
from sim.engine.folder import ResultFolder, run_job
from sim.engine.manifest import versions
from sim.engine.signals import terminate_as_interrupt
from sim.scenario.spec import Scenario

DEFAULT_SEED = 20250613
FULL_KEEP_MAX_RUNS = 100_000   # above this, `keep` defaults to "summary"


@dataclass(frozen=True)
class RunOptions:
    """How to run an ensemble; everything but the scenario and the folder.

    Attributes
    ----------
    runs, seed : number of runs and root seed; run r's numbers depend only on (seed, r).
    steps : months to simulate (default: the scenario's).
    keep : "full" (every run's arrays and events too) or "summary" (counts only);
        default full up to FULL_KEEP_MAX_RUNS runs.
    chunk_size : runs per chunk (default `default_chunk`; a resumed run keeps its own).
    backend, workers, scheduler : where chunks run (sim.engine.executor.make).
    reducer : per-run analysis run in each chunk (sim.analysis.reducers.coalitions_and_balance),
        or None for none.
    overwrite : replace a finished result folder.
    resume : finish an interrupted run in the folder, reusing its saved chunks.
    request : what asked for this run, recorded at the top of the manifest: {"command": [...]}
        for the command line, {"request": {...}} for the dashboard.
    overrides : the --set overrides the scenario was loaded with (recorded in the manifest).
    """
    runs: int = 1000
    seed: int = DEFAULT_SEED
    steps: int | None = None
    keep: str | None = None
    chunk_size: int | None = None
    backend: str = "auto"
    workers: int | None = None
    scheduler: str | None = None
    reducer: Callable | None = None
    overwrite: bool = False
    resume: bool = False
    request: dict = field(default_factory=dict)
    overrides: tuple[str, ...] = ()


class Interrupted(Exception):
    """A run stopped by Ctrl-C, SIGTERM or SIGHUP: the saved chunks stay in the folder, to be
    finished with resume; `signum` is the signal that stopped it."""

    def __init__(self, out: Path, saved: int, total: int, signum: int = signal.SIGINT):
        super().__init__(f"{saved} of {total} chunks saved in {out}")
        self.out, self.saved, self.total, self.signum = out, saved, total, signum


def job_for(scen: Scenario, out: Path, opts: RunOptions) -> Job:
    """The Job an options set describes (a resumed folder keeps its chunk size)."""
    steps = opts.steps or scen.steps
    chunk = opts.chunk_size
    if chunk is None and opts.resume and (out / "manifest.json").exists():
        try:
            chunk = json.loads((out / "manifest.json").read_text()).get("options", {}).get("chunk_size")
        except (OSError, ValueError):
            chunk = None   # ResultFolder reports an unreadable manifest
    keep = opts.keep or ("full" if opts.runs <= FULL_KEEP_MAX_RUNS else "summary")
    chunk = chunk or default_chunk(opts.runs, len(scen.actors))
    return Job(scen, opts.seed, opts.runs, steps, chunk, keep, None, opts.reducer)


def run_manifest(scen: Scenario, job: Job, opts: RunOptions) -> dict:
    """The manifest entries that describe a run (the folder adds options, timings and files)."""
    ids = list(scen.actor_ids)
    return {**opts.request,
            "scenario": {"file": str(scen.path), "name": scen.name, "title": scen.title,
                         "overrides": list(opts.overrides), "resolved": scen.resolved},
            "seed": job.seed, "runs": job.runs, "steps": job.steps, "start": scen.date(0), "end": scen.date(job.steps),
            "actors": ids, "names": [scen.display[a] for a in ids],
            "key_pairs": [list(p) for p in scen.key_pairs],
            "shocks": [{"name": s.name, "type": s.type_name, "label": s.label,
                        "at": scen.date(s.at) if s.at is not None else None} for s in scen.shocks],
            "versions": versions()}


def _stderr(message: str) -> None:
    print(f"alignsim: warning: {message}", file=sys.stderr)


def run_to_folder(scen: Scenario, out: Path, opts: RunOptions, progress: Callable | None = None,
                  status: Callable[[str], None] | None = None,
                  warn: Callable[[str], None] | None = None) -> tuple[ResultFolder, dict]:
    """Run the ensemble of `scen` into the result folder `out`.

    Parameters
    ----------
    scen : a validated scenario (sim.scenario.load).
    out : the result folder.
    opts : RunOptions.
    progress : called once the model is compiled, with the total run-steps; returns a callable
        that takes the run-steps each finished (or already saved) chunk adds.
    status : called with one-line messages (e.g. while the model compiles).
    warn : called with one-line warnings (default: printed on stderr), e.g. why a given
        --workers is not used.

    Returns
    -------
    (the finished ResultFolder, timings: wall_seconds of the simulation, total_seconds,
    run_steps_per_second, backend, workers, ...)

    Raises
    ------
    ScenarioError : the folder holds results (without overwrite), or resume options differ.
    Interrupted : on Ctrl-C, SIGTERM or SIGHUP; the chunks saved so far stay in the folder.
    """
    t_start = time.perf_counter()
    out, warn = Path(out), warn or _stderr
    job = job_for(scen, out, opts)
    folder = ResultFolder(out, job, run_manifest(scen, job, opts), resume=opts.resume, overwrite=opts.overwrite)
    executor = ex.make(opts.backend, opts.workers, opts.scheduler, job.runs * job.steps, warn)   # workers start
    try:
        with terminate_as_interrupt():   # SIGTERM and SIGHUP shut the pool down, as Ctrl-C does
            if status:
                status("compiling the model (the first run after installing takes a few seconds)...")
            warm_up(scen, job.reducer if job.with_analysis else None)
            update = progress(job.runs * job.steps) if progress else None
            timings = run_job(job, folder, executor, progress=update)
    except KeyboardInterrupt as exc:
        raise Interrupted(out, len(folder.done()), job.n_chunks, getattr(exc, "signum", signal.SIGINT)) from None
    finally:
        executor.close()
    folder.finish(timings)
    timings["total_seconds"] = time.perf_counter() - t_start
    return folder, timings
