"""A calibration's folder: its manifest, the sampler's checkpoint, and the files other commands read
back (the posterior sample and the measurement model's fitted values).

The checkpoint is written atomically after every unit of the sampler's work, so a calibration
stopped at any point resumes from its last unit and ends with the same numbers.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from sim.calibration import smc
from sim.core.errors import ScenarioError

CHECKPOINT = "checkpoint.npz"
MANIFEST = "manifest.json"
POSTERIOR = "posterior.csv"


def prepare(out: Path, resume: bool, overwrite: bool) -> None:
    """Check that `out` may be written: a finished calibration is kept unless overwrite; a started
    one is only finished with resume."""
    man = out / MANIFEST
    if resume:
        if not (out / CHECKPOINT).exists():
            raise ScenarioError(out, None, str(out), "nothing to resume: no checkpoint.npz in this folder")
        return
    if man.exists() or (out / CHECKPOINT).exists():
        if not overwrite:
            raise ScenarioError(out, None, str(out), "holds a calibration; give --overwrite to replace it, "
                                "or --resume to finish an interrupted one")
        for name in (MANIFEST, CHECKPOINT, POSTERIOR):
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def save_state(out: Path, state: smc.State, signature: dict) -> None:
    """The sampler's state and the options that made it, atomically."""
    meta = {k: getattr(state, k) for k in ("phi", "stage", "moved", "scale", "rng", "history", "evaluations")}
    tmp = out / (CHECKPOINT + ".tmp.npz")
    fresh = state.fresh if state.fresh is not None else np.ones(len(state.loglik), bool)
    meta = json.dumps({"state": meta, "options": signature}, default=_plain)
    np.savez(tmp, x=state.x, loglik=state.loglik, fresh=fresh, meta=np.array(meta))
    os.replace(tmp, out / CHECKPOINT)


def load_state(out: Path, signature: dict) -> smc.State:
    """The saved state, if it was made with the same options.

    Raises
    ------
    ScenarioError : the checkpoint was made with other options (names the first that differs).
    """
    with np.load(out / CHECKPOINT) as f:
        x, ll, fresh, meta = f["x"], f["loglik"], f["fresh"], json.loads(str(f["meta"]))
    saved = meta["options"]
    for key in sorted(set(saved) | set(signature)):
        if saved.get(key) != json.loads(json.dumps(signature.get(key), default=_plain)):
            raise ScenarioError(out, key, signature.get(key), f"differs from the interrupted calibration's "
                                f"{saved.get(key)!r}; resume with the same options, or start over with --overwrite")
    return smc.State(x, ll, fresh=fresh, **meta["state"])


def _plain(v):
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, Path):
        return str(v)
    raise TypeError(f"cannot write {type(v).__name__}")


def write_json(path: Path, data: dict) -> None:
    """data as indented JSON, atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_plain) + "\n")
    os.replace(tmp, path)


def write_posterior(out: Path, keys: list[str], values: np.ndarray, loglik: np.ndarray) -> None:
    """posterior.csv: one row per particle, its parameter values and log-likelihood."""
    with (out / POSTERIOR).open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["particle", *keys, "loglik"])
        for k, (row, ll) in enumerate(zip(values, loglik)):
            w.writerow([k, *(f"{v:.6g}" for v in row), f"{ll:.6f}"])


def read_calibration(folder) -> tuple[dict, list[str], np.ndarray]:
    """A finished calibration: its manifest, the posterior's column keys and values (N, d).

    Raises
    ------
    ScenarioError : not a finished calibration folder.
    """
    folder = Path(folder)
    man = folder / MANIFEST
    if not man.is_file() or not (folder / POSTERIOR).is_file():
        raise ScenarioError(folder, None, str(folder), "not a calibration folder (no manifest.json and posterior.csv). The committed "
                            "calibrations are in the repository's data/calibration/: run from its root folder, "
                            "pass --calibration, or make one with `alignsim calibrate FILE --out DIR`")
    manifest = json.loads(man.read_text())
    if not manifest.get("complete"):
        raise ScenarioError(folder, None, str(folder), "the calibration is not finished; finish it with --resume")
    with (folder / POSTERIOR).open(newline="") as fh:
        rows = list(csv.reader(fh))
    keys = rows[0][1:-1]
    values = np.array([[float(v) for v in r[1:-1]] for r in rows[1:]])
    return manifest, keys, values
