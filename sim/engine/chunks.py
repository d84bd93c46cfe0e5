"""The chunk store of a result folder being written: each chunk a folder of files with a
checksummed index, written whole or not at all.

A chunk is written into a private temporary folder, its index `chunk.json` last (the sha256
and size of every file, the chunk's runs and a digest of the options that fix its numbers),
then renamed into place. Reading a chunk back checks every byte against the index, so a
truncated, overwritten, missing, extra or foreign file is found, never assembled: such a
chunk is recomputed (chunks are pure functions of their index, so the result stays the same
bits).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np

from sim.engine.ensemble import RECORDED, ChunkResult, Job

INDEX = "chunk.json"


class CorruptChunk(Exception):
    """A saved chunk that does not match its index (or has none)."""

    def __init__(self, index: int, reason: str):
        super().__init__(f"chunk {index}: {reason}")
        self.index, self.reason = index, reason


def chunk_dir(chunks: Path, index: int) -> Path:
    """Where chunk `index` is saved."""
    return Path(chunks) / f"c{index:06d}"


def expected_files(job: Job) -> set[str]:
    """The files every chunk of `job` holds (besides its index)."""
    names = {"summary.npz"}
    if job.keep == "full":
        names |= {f"{k}.npy" for k in (*RECORDED, "military")} | {"events.csv"}
        if job.with_analysis:
            names.add("balance.npy")
    return names


def _digest(path: Path) -> dict:
    with path.open("rb") as fh:
        return {"sha256": hashlib.file_digest(fh, "sha256").hexdigest(), "bytes": path.stat().st_size}


def save_chunk(chunks: Path, res: ChunkResult, tag: str = "") -> None:
    """Write one chunk atomically (see the module docstring); `tag` is the digest of the job's
    options (`folder.options_digest`). A chunk already in place (a retried Dask task whose
    worker died after saving) is kept: it holds the same bits."""
    final = chunk_dir(chunks, res.index)
    tmp = Path(chunks) / f".tmp-{res.index:06d}-{os.getpid()}"
    try:
        tmp.mkdir()
        np.savez(tmp / "summary.npz", **res.summary)
        for k, arr in (res.arrays or {}).items():
            np.save(tmp / f"{k}.npy", arr)
        if res.events is not None:
            with (tmp / "events.csv").open("w", newline="") as fh:
                csv.writer(fh).writerows(res.events)
        files = {p.name: _digest(p) for p in sorted(tmp.iterdir())}
        index = {"index": res.index, "lo": res.lo, "hi": res.hi, "options": tag, "files": files}
        (tmp / INDEX).write_text(json.dumps(index, indent=1))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)   # frees the space a failed write took
        raise
    try:
        os.replace(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.is_dir():
            raise


class Chunk:
    """A saved chunk read back with every byte checked against its index.

    Raises
    ------
    CorruptChunk : on opening, when the index is missing, unreadable, from other options or
        other runs, or lists other files than the job's chunks hold; on reading a file, when
        its bytes do not match the index.
    """

    def __init__(self, chunks: Path, job: Job, index: int, tag: str):
        self.dir, self.index = chunk_dir(chunks, index), index
        if not self.dir.is_dir():
            raise CorruptChunk(index, "is missing")
        try:
            meta = json.loads((self.dir / INDEX).read_text())
            files = {k: (str(v["sha256"]), int(v["bytes"])) for k, v in meta["files"].items()}
            lo, hi, opt = int(meta["lo"]), int(meta["hi"]), meta["options"]
        except FileNotFoundError:
            raise CorruptChunk(index, f"{INDEX} is missing") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptChunk(index, f"{INDEX} cannot be read ({type(exc).__name__})") from None
        if opt != tag:
            raise CorruptChunk(index, "was computed with other options")
        if (lo, hi) != job.bounds(index):
            raise CorruptChunk(index, f"holds runs {lo}-{hi}, not {job.bounds(index)[0]}-{job.bounds(index)[1]}")
        want = expected_files(job)
        present = {p.name for p in self.dir.iterdir()} - {INDEX}
        if set(files) != want or present != want:
            odd = sorted((want ^ set(files)) | (want ^ present))
            raise CorruptChunk(index, f"files differ from those a chunk holds ({', '.join(odd)})")
        self.files, self.runs = files, hi - lo

    def read(self, name: str) -> bytes:
        """The bytes of one file, checked against the index."""
        sha, n = self.files[name]
        try:
            raw = (self.dir / name).read_bytes()
        except OSError as exc:
            raise CorruptChunk(self.index, f"{name} cannot be read ({exc.strerror})") from None
        if len(raw) != n or hashlib.sha256(raw).hexdigest() != sha:
            raise CorruptChunk(self.index, f"{name} does not match its checksum")
        return raw

    def check(self, name: str) -> None:
        """Check one file against the index without keeping its bytes (for a memory map)."""
        sha, n = self.files[name]
        try:
            got = _digest(self.dir / name)
        except OSError as exc:
            raise CorruptChunk(self.index, f"{name} cannot be read ({exc.strerror})") from None
        if got != {"sha256": sha, "bytes": n}:
            raise CorruptChunk(self.index, f"{name} does not match its checksum")

    def array(self, name: str) -> np.ndarray:
        """A checked array of the chunk, with as many rows as the chunk has runs."""
        arr = np.load(io.BytesIO(self.read(f"{name}.npy")), allow_pickle=False)
        if arr.shape[:1] != (self.runs,):
            raise CorruptChunk(self.index, f"{name}.npy has shape {arr.shape}")
        return arr

    def summary(self) -> dict:
        """The chunk's compact summary (arrays by name), checked."""
        with np.load(io.BytesIO(self.read("summary.npz")), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}

    def events(self) -> list[list[str]]:
        """The chunk's event rows, checked."""
        return list(csv.reader(io.StringIO(self.read("events.csv").decode("utf-8"), newline="")))

    def verify(self) -> None:
        """Check every file of the chunk."""
        for name in self.files:
            self.read(name)
