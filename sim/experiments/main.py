"""Run a loaded experiment into a result folder: every analysis, then the tables and manifest.

This is the experiments layer's entry point. Figures are drawn by the layer above it
(`sim.figures`), so `run` takes the drawing step as an argument: `sim.apps.experiment` hands
it `sim.figures.experiment.plot_experiment`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from sim.engine import executor as ex, owned
from sim.engine.signals import terminate_as_interrupt
from sim.experiments import runners
from sim.experiments.spec import Experiment
from sim.experiments.writers import OUTPUTS, Results, manifest_base, write_manifest, write_tables

# every name an experiment puts at the top of its folder
WRITES = (*OUTPUTS, owned.MANIFEST, *owned.TEMPORARY, "figures", "report.html")


def run(exp: Experiment, out: Path, quiet: bool = False, command=("alignsim", "experiment"),
        draw: Callable[[Path], list[Path]] | None = None, workers: int | None = None,
        backend: str = "auto") -> dict:
    """Run every analysis of an experiment and write its result folder.

    Parameters
    ----------
    exp : Experiment
        From `sim.experiments.spec.load`.
    out : Path
        The result folder; created if missing. See `prepare_folder` for one that holds results.
    quiet : bool
        No progress bar on stderr.
    command : sequence of str
        The command line recorded in the manifest.
    draw : callable, optional
        ``draw(out) -> list of Path``: draws the figures from the written files and returns
        their paths. Without it, no figures.
    workers : int, optional
        Worker processes; by default, chosen with the backend.
    backend : str
        Where chunks run, as for `sim.engine.executor.make`: ``"auto"`` runs small experiments
        in this process and large ones on all cores. The numbers are the same either way.

    Returns
    -------
    dict
        The manifest, as written to ``out/manifest.json``, with ``complete`` true.

    Notes
    -----
    The manifest is written first, with ``complete`` false and every file the experiment may
    write, then with the files written once the tables are, and again after the figures: an
    interrupted experiment leaves a folder that says it is incomplete and what may be in it.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = manifest_base(exp, command)
    manifest["files"] = list(OUTPUTS)   # what this run may write, listed before it is written
    write_manifest(out, manifest)
    timings = manifest["timings"]
    t_start = time.perf_counter()
    total = runners.total_run_steps(exp)
    bar = None
    if not quiet:
        from tqdm import tqdm
        bar = tqdm(total=total, unit="run-step", unit_scale=True, desc=exp.name, file=sys.stderr,
                   dynamic_ncols=True)
    executor = ex.make(backend, workers, None, total)
    manifest["engine"] = {"backend": executor.name, "workers": executor.workers, "chunk_size": runners.CHUNK}
    ctx = runners.RunContext(executor, bar, timings)
    w = Results()
    try:
        with terminate_as_interrupt():   # SIGTERM and SIGHUP shut the pool down, as Ctrl-C does
            for k, an in enumerate(exp.analyses):
                if bar is not None:
                    bar.set_description(f"{exp.name}: {an.name}")
                runners.RUNNERS[an.type](exp, an, k, w, ctx)
    finally:
        executor.close()
        if bar is not None:
            bar.close()
    manifest["files"] = write_tables(out, w)
    for entry in manifest["analyses"]:
        entry.update(w.details.get(entry["name"], {}))
    timings["simulation_and_analysis_seconds"] = round(time.perf_counter() - t_start, 3)
    write_manifest(out, manifest)
    if draw is not None:
        t0 = time.perf_counter()
        manifest["files"] += [str(p.relative_to(out)) for p in draw(out)]
        timings["figures_seconds"] = round(time.perf_counter() - t0, 3)
    timings["total_seconds"] = round(time.perf_counter() - t_start, 3)
    manifest["complete"] = True
    write_manifest(out, manifest)
    return manifest


def prepare_folder(out: Path, overwrite: bool) -> None:
    """Make `out` ready for new results; the caller holds its lock (`sim.engine.lock.hold`).

    Parameters
    ----------
    out : Path
        The result folder.
    overwrite : bool
        Whether earlier results may be removed.

    Raises
    ------
    ScenarioError
        If `out` holds results and `overwrite` is False, or holds files alignsim did not write
        (see `sim.engine.owned.plan`).

    Notes
    -----
    Only what the earlier results wrote is removed: the files their manifest lists, the
    manifest and alignsim's temporary files. Anything else in the folder stays.
    """
    out = Path(out)
    if out.is_dir():
        owned.remove(out, owned.plan(out, overwrite, WRITES))
