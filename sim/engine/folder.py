"""A result folder written as chunks finish, and completed by one final assembly.

While running, each finished chunk is saved under chunks/ (written to a hidden temporary
folder, then renamed, so a chunk is either wholly there or absent). The manifest says
complete only after the assembly. An interrupted folder is finished by --resume, which
reuses the saved chunks; the job options must match the manifest's.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.engine import tables
from sim.engine.manifest import json_default
from sim.engine.ensemble import ChunkResult, ChunkFn, Job
from sim.core.errors import ScenarioError
from sim.engine.summary import Summary

EXACT_QUANTILE_RUNS = 200_000   # above this, quantiles come from the histograms (error <= half a bin)
OUTPUTS = ("ensemble.npz", "summary.npz", "quantiles.csv", "final.csv", "events.csv", "event_counts.csv",
           "coalitions.csv", "balance.csv", "manifest.json")


def job_options(job: Job) -> dict:
    """What fixes the numbers of a result (the backend and worker count do not)."""
    resolved = json.dumps(job.scenario.resolved, sort_keys=True, default=str)
    return {"scenario_sha256": hashlib.sha256(resolved.encode()).hexdigest(), "seed": job.seed,
            "runs": job.runs, "steps": job.steps, "chunk_size": job.chunk_size, "keep": job.keep,
            "analysis": job.with_analysis}


class ResultFolder:
    """A result folder being written: chunks saved as they finish, then assembled once.

    Parameters
    ----------
    out : the folder.
    job : the Job whose results it holds.
    meta : manifest entries describing the run (sim.engine.run.run_manifest).
    resume : take over an interrupted folder, keeping its saved chunks (its options must match).
    overwrite : replace a folder that already holds results.

    Raises
    ------
    ScenarioError : results already there without overwrite; resume of a folder that is not one,
        is complete, or was started with other options.
    """
    def __init__(self, out: Path, job: Job, meta: dict, resume: bool = False, overwrite: bool = False):
        self.out, self.job, self.chunks = Path(out), job, Path(out) / "chunks"
        self.options = job_options(job)
        man_path = self.out / "manifest.json"
        if resume:
            if not man_path.exists():
                raise ScenarioError(self.out, "--resume", str(self.out), "no manifest.json here: not a result folder")
            man = json.loads(man_path.read_text())
            if man.get("complete"):
                raise ScenarioError(self.out, "--resume", str(self.out), "is already complete; nothing to resume")
            old = man.get("options", {})
            diffs = [f"{k} {old.get(k)!r} in the manifest, {v!r} now" for k, v in self.options.items()
                     if old.get(k) != v]
            if diffs:
                raise ScenarioError(self.out, "--resume", str(self.out),
                                    "options differ from the interrupted run: " + "; ".join(diffs))
            self.manifest = man
        else:
            if man_path.exists() and not overwrite:
                raise ScenarioError(self.out, "--out", str(self.out), "already holds results; pass --overwrite, "
                                    "--resume to finish an interrupted run, or another --out")
            if self.chunks.exists():
                shutil.rmtree(self.chunks)
            for name in OUTPUTS:
                (self.out / name).unlink(missing_ok=True)
            self.out.mkdir(parents=True, exist_ok=True)
            self.manifest = {"complete": False, "options": self.options, **meta}
            self._write_manifest()
        self.chunks.mkdir(exist_ok=True)
        for stale in self.chunks.glob(".tmp-*"):
            shutil.rmtree(stale)

    def _chunk_dir(self, index: int) -> Path:
        return self.chunks / f"c{index:06d}"

    def done(self) -> set[int]:
        """Indices of the chunks saved so far."""
        return {int(p.name[1:]) for p in self.chunks.glob("c[0-9]*") if p.is_dir()}

    def save(self, res: ChunkResult) -> None:
        """Save a chunk (unless its worker already did)."""
        if not res.saved:
            save_chunk(self.chunks, res)

    def _write_manifest(self) -> None:
        tmp = self.out / "manifest.json.tmp"
        tmp.write_text(json.dumps(self.manifest, indent=2, default=json_default))
        tmp.replace(self.out / "manifest.json")

    # -------------------------------------------------------------- assembly

    def finish(self, timings: dict) -> dict:
        """Assemble the saved chunks into the folder's tables and arrays, delete the chunks and
        mark the manifest complete. Returns the manifest."""
        job, n = self.job, self.job.n_chunks
        merged = Summary.load(self._chunk_dir(0) / "summary.npz")
        for i in range(1, n):
            with np.load(self._chunk_dir(i) / "summary.npz") as z:
                merged.add_compact(z)
        merged.save(self.out / "summary.npz")
        files = ["summary.npz"]
        exact = None
        if job.keep == "full":
            self._assemble_npz()
            self._assemble_events()
            files += ["ensemble.npz", "events.csv"]
            if job.runs <= EXACT_QUANTILE_RUNS:
                exact = self._exact_quantiles()
        files += tables.write_tables(self.out, job, merged, exact)
        method = "exact" if exact is not None else f"histogram, error <= {1 / merged.hist_mutual.shape[-1]:.4f}"
        self.manifest.update({"quantile_method": method, "timings": timings})
        self.manifest["files"] = files
        shutil.rmtree(self.chunks)
        self.manifest["complete"] = True
        self._write_manifest()
        return self.manifest

    def add_files(self, paths) -> None:
        """List files written into the finished folder afterwards (its figures) in the manifest."""
        self.manifest["files"] += [str(Path(p).relative_to(self.out)) for p in paths]
        self._write_manifest()

    def _assemble_npz(self) -> None:
        """Concatenate the chunks' arrays into ensemble.npz one chunk at a time (bounded memory)."""
        job = self.job
        first = self._chunk_dir(0)
        names = sorted(p.stem for p in first.glob("*.npy"))
        tmp = self.out / "ensemble.npz.tmp"
        scen = job.scenario
        ids = list(scen.actor_ids)
        meta = {"actors": np.array(ids), "names": np.array([scen.display[a] for a in ids]),
                "dates": np.array([scen.date(t) for t in range(job.steps + 1)]), "seed": np.int64(job.seed)}
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for k, v in meta.items():
                with zf.open(f"{k}.npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, v, allow_pickle=False)
            for name in names:
                head = np.load(first / f"{name}.npy", mmap_mode="r")
                shape = (job.runs, *head.shape[1:])
                with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array_header_2_0(
                        fh, {"descr": np.lib.format.dtype_to_descr(head.dtype), "fortran_order": False,
                             "shape": shape})
                    for i in range(job.n_chunks):
                        fh.write(np.ascontiguousarray(np.load(self._chunk_dir(i) / f"{name}.npy")).tobytes())
        tmp.replace(self.out / "ensemble.npz")

    def _assemble_events(self) -> None:
        date = self.job.scenario.date
        with (self.out / "events.csv").open("w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["run", "step", "date", "shock", "type", "label", "intensity", "author", "how", "trigger"])
            for i in range(self.job.n_chunks):
                with (self._chunk_dir(i) / "events.csv").open() as fh:
                    for run, step, name, kind, x, author, how, trigger, label in csv.reader(fh):
                        w.writerow([run, step, date(int(step)), name, kind, label, f"{float(x):.4f}", author, how,
                                    trigger])

    def _exact_quantiles(self) -> dict:
        """Per-step quantiles over all runs, one step at a time from memory-mapped chunks."""
        job = self.job
        maps = [np.load(self._chunk_dir(i) / "alignment.npy", mmap_mode="r") for i in range(job.n_chunks)]
        n = len(job.scenario.actors)
        pi, pj = np.triu_indices(n, 1)
        di, dj = np.nonzero(~np.eye(n, dtype=bool))
        qm = np.empty((len(tables.QUANTILES), job.steps + 1, len(pi)))
        qd = np.empty((len(tables.QUANTILES), job.steps + 1, len(di)))
        for t in range(job.steps + 1):
            a = np.concatenate([m[:, t] for m in maps]).astype(np.float64)
            mut = 0.5 * (a + np.swapaxes(a, 1, 2))
            qm[:, t] = np.quantile(mut[:, pi, pj], tables.QUANTILES, axis=0)
            qd[:, t] = np.quantile(a[:, di, dj], tables.QUANTILES, axis=0)
        return {"mutual": qm, "directed": qd}


def save_chunk(chunks: Path, res: ChunkResult) -> None:
    """Write one chunk atomically: into a private directory, then renamed into place, so a
    folder holds only whole chunks whoever wrote them and whenever they were stopped."""
    tmp = chunks / f".tmp-{res.index:06d}-{os.getpid()}"
    tmp.mkdir()
    np.savez(tmp / "summary.npz", **res.summary)
    if res.arrays is not None:
        for k, arr in res.arrays.items():
            np.save(tmp / f"{k}.npy", arr)
    if res.events is not None:
        with (tmp / "events.csv").open("w", newline="") as fh:
            csv.writer(fh).writerows(res.events)
    try:
        os.replace(tmp, chunks / f"c{res.index:06d}")
    except OSError:
        # a retried task (a Dask worker lost after saving) finds its chunk already there;
        # chunks are pure functions of their index, so the saved one is the same
        if not (chunks / f"c{res.index:06d}").is_dir():
            raise
        shutil.rmtree(tmp)


class SavingChunkFn(ChunkFn):
    """A chunk computed and saved by the worker itself, which returns only its receipt: with
    2 workers the parent otherwise spends a fifth of a core receiving and writing summaries."""

    def __init__(self, job: Job, chunks: Path):
        super().__init__(job)
        self.chunks = chunks

    def __call__(self, index: int) -> ChunkResult:
        res = super().__call__(index)
        save_chunk(self.chunks, res)
        return replace(res, summary=None, arrays=None, events=None, saved=True)


def run_job(job: Job, folder: ResultFolder, executor, progress=None) -> dict:
    """Compute every chunk not yet in the folder, saving each as it arrives.

    At most the executor's in-flight chunks exist at once; each result is written and dropped
    before the next is taken, so memory does not grow with the number of runs."""
    import time
    t0 = time.perf_counter()
    done = folder.done()
    todo = [i for i in range(job.n_chunks) if i not in done]
    if progress is not None and done:
        progress(sum(job.bounds(i)[1] - job.bounds(i)[0] for i in done) * job.steps)
    computed, worker_rss = 0, 0.0
    fn = SavingChunkFn(job, folder.chunks) if getattr(executor, "same_disk", False) else ChunkFn(job)
    for index, res in executor.imap(fn, todo):
        folder.save(res)
        computed += res.hi - res.lo
        worker_rss = max(worker_rss, res.peak_rss_mb)
        if progress is not None:
            progress((res.hi - res.lo) * job.steps)
        del res
    wall = time.perf_counter() - t0
    return {"wall_seconds": wall, "runs_computed": computed, "backend": executor.name,
            "workers": executor.workers, "peak_rss_mb_chunk_process": worker_rss,
            "run_steps_per_second": computed * job.steps / wall if wall > 0 and computed else None}
