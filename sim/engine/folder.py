"""A result folder written as chunks finish, and completed by one final assembly.

The folder is locked for as long as a run writes it (sim.engine.lock), and only ever holds
alignsim's files beside what was there before (sim.engine.owned). While running, each
finished chunk is saved under chunks/ with a checksummed index (sim.engine.chunks); the
manifest, written first, lists every file the run may write and says complete only after the
assembly. An interrupted folder is finished by resume, which checks every saved chunk first
and recomputes any that is corrupt or missing; the job options must match the manifest's.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.core.errors import ScenarioError
from sim.engine import owned, tables
from sim.engine.chunks import Chunk, CorruptChunk, chunk_dir, save_chunk
from sim.engine.ensemble import ChunkFn, ChunkResult, Job
from sim.engine.lock import hold
from sim.engine.manifest import json_default
from sim.engine.summary import Summary

EXACT_QUANTILE_RUNS = 200_000   # above this, quantiles come from the histograms (error <= half a bin)
OUTPUTS = ("ensemble.npz", "summary.npz", "quantiles.csv", "final.csv", "events.csv", "event_counts.csv",
           "coalitions.csv", "balance.csv", "manifest.json")
# every name a run puts at the top of its folder; a folder alignsim did not make must hold none of them
WRITES = (*OUTPUTS, *owned.TEMPORARY, "chunks", "figures", "report.html")


def job_options(job: Job) -> dict:
    """What fixes the numbers of a result (the backend and worker count do not)."""
    resolved = json.dumps(job.scenario.resolved, sort_keys=True, default=str)
    return {"scenario_sha256": hashlib.sha256(resolved.encode()).hexdigest(), "seed": job.seed,
            "runs": job.runs, "steps": job.steps, "chunk_size": job.chunk_size, "keep": job.keep,
            "analysis": job.with_analysis}


def options_digest(options: dict) -> str:
    """The digest of a job's options that every chunk index carries."""
    return hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()


class ResultFolder:
    """A result folder being written: locked, chunks saved as they finish, then assembled once.

    Parameters
    ----------
    out : the folder.
    job : the Job whose results it holds.
    meta : manifest entries describing the run (sim.engine.run.run_manifest).
    resume : take over an interrupted folder, keeping its saved chunks (its options must match);
        every saved chunk is checked, and a corrupt one removed (to be recomputed) with a warning.
    overwrite : replace the results in a folder that holds some (only the files its manifest
        lists are removed), or write into a folder alignsim did not make (nothing there is removed
        or replaced).
    warn : called with one-line warnings.
    check : called as check(out, credit) once the folder is locked and before anything in it
        changes; credit is the bytes already there that the run reuses or frees (see
        sim.engine.checks.check_resources). It raises to refuse the run.

    The folder stays locked until `close` (or the end of the process).

    Raises
    ------
    ScenarioError : the folder is in use, is not a folder or cannot be written; results are
        there without overwrite; the folder holds files alignsim did not write (see
        sim.engine.owned.plan); resume of a folder that is not one, is complete, has an
        unreadable manifest or was started with other options.
    """

    def __init__(self, out: Path, job: Job, meta: dict, resume: bool = False, overwrite: bool = False,
                 warn: Callable[[str], None] | None = None, check: Callable | None = None):
        self.out, self.job, self.chunks = Path(out), job, Path(out) / "chunks"
        self.options = job_options(job)
        self.tag = options_digest(self.options)
        self.warn = warn or (lambda message: None)
        key = "--resume" if resume else "--out"
        self.lock = hold(self.out, key, self.warn)
        try:
            if resume:
                self.manifest = self._resumable()
                credit = owned.size(chunk_dir(self.chunks, i) for i in self.verify())
            else:
                gone = owned.plan(self.out, overwrite, WRITES, key)
                credit = owned.size(gone)
            if check is not None:
                check(self.out, credit)
            if not resume:
                owned.remove(self.out, gone)
                self.manifest = {"complete": False, "options": self.options, **meta,
                                 "files": [f for f in OUTPUTS if f != owned.MANIFEST]}
                self._write_manifest()
            self.chunks.mkdir(exist_ok=True)
            for stale in self.chunks.glob(".tmp-*"):
                shutil.rmtree(stale)
        except BaseException:
            self.lock.abandon()
            raise

    def _resumable(self) -> dict:
        """The manifest of the interrupted run to finish here."""
        man, problem = owned.load_manifest(self.out)
        if man is None:
            raise ScenarioError(self.out, "--resume", str(self.out), f"{problem}: not a result folder to resume")
        if man.get("kind") == "experiment":
            raise ScenarioError(self.out, "--resume", str(self.out), "holds an experiment, which cannot be resumed")
        if man.get("complete"):
            raise ScenarioError(self.out, "--resume", str(self.out), "is already complete; nothing to resume")
        old = man.get("options") if isinstance(man.get("options"), dict) else {}
        diffs = [f"{k} {old.get(k)!r} in the manifest, {v!r} now" for k, v in self.options.items() if old.get(k) != v]
        if diffs:
            raise ScenarioError(self.out, "--resume", str(self.out),
                                "options differ from the interrupted run: " + "; ".join(diffs))
        return man

    def verify(self) -> set[int]:
        """Check every saved chunk byte for byte; remove (with a warning) those that are corrupt,
        incomplete or from another run. Returns the indices of the good ones."""
        good = set()
        for i in sorted(self.done()):
            try:
                Chunk(self.chunks, self.job, i, self.tag).verify()
                good.add(i)
            except CorruptChunk as exc:
                self.discard(exc)
        return good

    def discard(self, exc: CorruptChunk) -> None:
        """Remove a corrupt chunk, saying so; the next pass over the job recomputes it."""
        self.warn(f"{self.out}: saved {exc}; recomputing it")
        shutil.rmtree(chunk_dir(self.chunks, exc.index), ignore_errors=True)

    def done(self) -> set[int]:
        """Indices of the chunks saved so far (unchecked)."""
        if not self.chunks.is_dir():
            return set()
        return {int(p.name[1:]) for p in self.chunks.iterdir() if owned.CHUNK_ENTRY.match(p.name)
                and p.name.startswith("c") and p.is_dir() and int(p.name[1:]) < self.job.n_chunks}

    def save(self, res: ChunkResult) -> None:
        """Save a chunk (unless its worker already did)."""
        if not res.saved:
            save_chunk(self.chunks, res, self.tag)

    def _write_manifest(self) -> None:
        tmp = self.out / "manifest.json.tmp"
        tmp.write_text(json.dumps(self.manifest, indent=2, default=json_default))
        tmp.replace(self.out / "manifest.json")

    def close(self) -> None:
        """Release the folder's lock."""
        self.lock.release()

    def __enter__(self) -> "ResultFolder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------- assembly

    def finish(self, timings: dict, tables_written: Callable[[], None] | None = None) -> dict:
        """Assemble the saved chunks into the folder's tables and arrays, delete the chunks and
        mark the manifest complete. Returns the manifest.

        The tables are written first and `tables_written`, if given, is called then: a run's
        figures read only the tables, so they can be drawn while the full arrays (ensemble.npz,
        events.csv, half a second per 1,000 runs) are still being written.

        Every chunk is read through its checksums before it is used: a corrupt or missing one
        raises CorruptChunk, with the folder still resumable (the caller recomputes it)."""
        job = self.job
        parts = [Chunk(self.chunks, job, i, self.tag) for i in range(job.n_chunks)]
        merged = Summary.merged_compacts((part.summary() for part in parts), job.runs)
        full, exact = job.keep == "full", None
        try:
            if full and job.runs <= EXACT_QUANTILE_RUNS:
                exact = self._exact_quantiles(parts)
            merged.save(self.out / "summary.npz")
            written = tables.write_tables(self.out, job, merged, exact)
            if tables_written is not None:
                tables_written()
            if full:
                self._assemble_npz(parts)
                self._assemble_events(parts)
        except OSError:
            (self.out / "ensemble.npz.tmp").unlink(missing_ok=True)   # give back the space
            raise
        files = ["summary.npz", *(("ensemble.npz", "events.csv") if full else ()), *written]
        method = "exact" if exact is not None else f"histogram, error <= {1 / merged.hist_mutual.shape[-1]:.4f}"
        self.manifest.update({"quantile_method": method, "timings": timings, "files": files, "complete": True})
        self._write_manifest()
        owned.remove(self.out, [p for p in self.chunks.iterdir() if owned.CHUNK_ENTRY.match(p.name)])
        return self.manifest

    def add_files(self, paths) -> None:
        """List files written into the finished folder afterwards (its figures) in the manifest."""
        self.manifest["files"] += [str(Path(p).relative_to(self.out)) for p in paths]
        self._write_manifest()

    def _assemble_npz(self, parts: list[Chunk]) -> None:
        """Concatenate the chunks' arrays into ensemble.npz one chunk at a time (bounded memory)."""
        job = self.job
        names = sorted(n[:-4] for n in parts[0].files if n.endswith(".npy"))
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
                with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                    head = None
                    for part in parts:
                        arr = part.array(name)
                        if head is None:
                            head = arr
                            np.lib.format.write_array_header_2_0(
                                fh, {"descr": np.lib.format.dtype_to_descr(arr.dtype), "fortran_order": False,
                                     "shape": (job.runs, *arr.shape[1:])})
                        elif arr.dtype != head.dtype or arr.shape[1:] != head.shape[1:]:
                            raise CorruptChunk(part.index, f"{name}.npy has shape {arr.shape} {arr.dtype}")
                        fh.write(np.ascontiguousarray(arr).tobytes())
        tmp.replace(self.out / "ensemble.npz")

    def _assemble_events(self, parts: list[Chunk]) -> None:
        dates = [self.job.scenario.date(t) for t in range(self.job.steps + 1)]   # once, not per row
        with (self.out / "events.csv").open("w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["run", "step", "date", "shock", "type", "label", "intensity", "author", "how", "trigger"])
            for part in parts:
                w.writerows([run, step, dates[int(step)], name, kind, label, f"{float(x):.4f}", author, how, trigger]
                            for run, step, name, kind, x, author, how, trigger, label in part.events())

    def _exact_quantiles(self, parts: list[Chunk]) -> dict:
        """Per-step quantiles over all runs, one step at a time from memory-mapped chunks, each
        checked byte for byte first."""
        job = self.job
        maps = []
        for part in parts:
            part.check("alignment.npy")
            maps.append(np.load(part.dir / "alignment.npy", mmap_mode="r"))
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


class SavingChunkFn(ChunkFn):
    """A chunk computed and saved by the worker itself, which returns only its receipt: with
    2 workers the parent otherwise spends a fifth of a core receiving and writing summaries."""

    def __init__(self, job: Job, chunks: Path, tag: str | None = None):
        super().__init__(job)
        self.chunks = chunks
        self.tag = tag if tag is not None else options_digest(job_options(job))

    def __call__(self, index: int) -> ChunkResult:
        res = super().__call__(index)
        save_chunk(self.chunks, res, self.tag)
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
    fn = SavingChunkFn(job, folder.chunks, folder.tag) if getattr(executor, "same_disk", False) else ChunkFn(job)
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
