"""One run function for every caller: a scenario's ensemble into a result folder.

The command line (`alignsim run`), the dashboard and any script call `run_to_folder`; none of
them builds command-line strings. Figures are drawn by the caller (sim.figures.run), which
records them with `ResultFolder.add_files`.
"""

from __future__ import annotations

import errno
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.engine import checks, executor as ex, owned
from sim.engine.chunks import CorruptChunk
from sim.engine.ensemble import Job, default_chunk, full_chunk_cap, warm_up
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
    overwrite : replace the results in the folder (only the files its manifest lists), or write
        into a non-empty folder alignsim did not make (nothing there is removed or replaced).
    resume : finish an interrupted run in the folder, reusing its saved chunks once checked.
    strict : a warning about the scenario (a shock after the horizon) is an error.
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
    strict: bool = False


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
    if chunk is None and opts.resume:
        man, _ = owned.load_manifest(out)   # ResultFolder reports a missing or unreadable one
        old = man.get("options") if man else None
        saved = old.get("chunk_size") if isinstance(old, dict) else None
        chunk = saved if isinstance(saved, int) and not isinstance(saved, bool) and saved > 0 else None
    keep = opts.keep or ("full" if opts.runs <= FULL_KEEP_MAX_RUNS else "summary")
    if chunk is None:
        chunk = default_chunk(opts.runs, len(scen.actors))
        if keep == "full":   # bounded memory: a chunk's full records within FULL_CHUNK_BYTES
            chunk = min(chunk, full_chunk_cap(scen, steps))
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
                  status: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None,
                  draw: Callable[[Path], Callable[[], list]] | None = None) -> tuple[ResultFolder, dict]:
    """Run the ensemble of `scen` into the result folder `out`.

    Parameters
    ----------
    scen : a validated scenario (sim.scenario.load).
    out : the result folder.
    opts : RunOptions.
    progress : called once the model is compiled, with the total run-steps; returns a callable
        that takes the run-steps each finished (or already saved) chunk adds.
    status : called with one-line messages (e.g. while the model compiles).
    warn : called with one-line warnings (default: printed on stderr): shocks after the horizon,
        a lock taken over from a dead process, a corrupt chunk recomputed, a --workers not used,
        a run that writes more than 10 GB.
    draw : starts drawing the figures of the folder, called once its tables are written (a run's
        figures read nothing else, so they are drawn while ensemble.npz and events.csv are
        written); returns a callable that waits for them and returns their paths, called once
        the folder is complete, so the manifest lists them while the folder is still locked.
        Drawing at once is `lambda out: (lambda: draw_figures(out))` (sim.figures.run).

    Returns
    -------
    (the finished ResultFolder, its lock released; timings: wall_seconds of the simulation,
    total_seconds, run_steps_per_second, backend, workers, ...)

    Raises
    ------
    ScenarioError : before anything is written: an option out of range, a warning with strict,
        a folder in use, holding results (without overwrite) or files alignsim did not write,
        resume options that differ, a run too large for the disk or memory; after: a write
        that failed (the folder stays resumable).
    Interrupted : on Ctrl-C, SIGTERM or SIGHUP; the chunks saved so far stay in the folder.
    """
    t_start = time.perf_counter()
    out, warn = Path(out), warn or _stderr
    checks.check_options(opts.seed, opts.runs, opts.steps, opts.chunk_size, opts.workers)
    job = job_for(scen, out, opts)
    late = checks.horizon_warnings(scen, job.steps)
    if late and opts.strict:
        raise late[0]
    backend, workers, _ = ex.plan(opts.backend, opts.workers, opts.scheduler, job.runs * job.steps)
    if backend == "dask":
        ex.require_dask()
    folder = ResultFolder(out, job, run_manifest(scen, job, opts), resume=opts.resume, overwrite=opts.overwrite,
                          warn=warn, check=lambda path, credit: checks.check_resources(job, workers, path, credit, warn))
    try:
        for w in late:
            warn(str(w))
        drawn = []   # the waiting callable of `draw`, once started

        def tables_written() -> None:
            if draw is not None and not drawn:   # once, if a corrupt chunk makes _finish retry
                drawn.append(draw(folder.out))
        with terminate_as_interrupt():
            try:
                timings = _simulate(folder, opts, progress, status, warn)
                _finish(folder, timings, tables_written)
            except KeyboardInterrupt as exc:
                raise Interrupted(out, len(folder.done()), job.n_chunks, getattr(exc, "signum", signal.SIGINT)) from None
            except (OSError, BrokenExecutor) as exc:
                raise _failed(folder, exc) from None
        timings["total_seconds"] = time.perf_counter() - t_start
        if drawn:
            folder.add_files(drawn[0]())
    finally:
        folder.close()
    return folder, timings


def _simulate(folder: ResultFolder, opts: RunOptions, progress, status, warn) -> dict:
    """Compute the chunks the folder lacks, on the executor the options ask for."""
    job = folder.job
    executor = ex.make(opts.backend, opts.workers, opts.scheduler, job.runs * job.steps, warn)   # workers start
    try:
        if status:
            status("loading the compiled model (the first run after installing compiles it: one to two minutes)...")
        warm_up(job.scenario, job.reducer if job.with_analysis else None)
        update = progress(job.runs * job.steps) if progress else None
        return run_job(job, folder, executor, progress=update)
    finally:
        executor.close()


def _finish(folder: ResultFolder, timings: dict, tables_written=None, attempts: int = 3) -> None:
    """Assemble the folder; a chunk found corrupt meanwhile is recomputed in this process."""
    for _ in range(attempts):
        try:
            folder.finish(timings, tables_written)
            return
        except CorruptChunk as exc:
            folder.discard(exc)
            run_job(folder.job, folder, ex.InProcess())
    raise ScenarioError(folder.out, None, str(folder.out), f"saved chunks fail their checksums again after "
                        f"{attempts} recomputations: the disk may be failing")


def _failed(folder: ResultFolder, exc: Exception) -> ScenarioError:
    """A write that failed, or a worker that died, as one line saying how to go on."""
    if isinstance(exc, OSError):
        why = exc.strerror or str(exc)
        fix = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space",
               errno.EACCES: "restore write access", errno.EROFS: "restore write access"}.get(exc.errno, "fix it")
        what = f"cannot be written ({why})"
    else:
        what, fix = "lost a worker process (killed, or out of memory?)", "check memory"
    return ScenarioError(folder.out, None, str(folder.out), f"{what}; {len(folder.done())} of {folder.job.n_chunks} "
                         f"chunks are saved: {fix} and finish with the same command and --resume {folder.out}")
