"""The page's downloads: the files of a result folder that `sim.engine.run.run_to_folder`, the
run function of `alignsim run`, writes for the page's settings.

The page asks for no command line: it calls the library function, and the folder's manifest
records the page as the request (`request`: the dashboard, the base file, the changed values).
The last few folders are kept for repeated downloads and removed at exit.
"""

from __future__ import annotations

import atexit
import io
import re
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

from sim import scenario
from sim.analysis.reducers import coalitions_and_balance
from sim.apps.dashboard.state import Result, stamp
from sim.engine.run import RunOptions, run_to_folder

_FOLDERS: dict = {}
_FOLDERS_LOCK = threading.Lock()
_KEEP_FOLDERS = 3


def result_folder(path, overrides, runs: int, seed: int) -> Path:
    """The result folder of the page's settings, written by `run_to_folder`, the run function of
    `alignsim run`: the downloads are the files the command writes.

    Parameters
    ----------
    path : the base scenario file.
    overrides : the page's changes as --set strings.
    runs, seed : the ensemble's size and root seed.

    The manifest's `request` names the page, the base file and the changes. The folder is
    reused while the scenario files are unchanged; of the folders, the last few are kept and
    older ones removed.
    """
    key = (str(Path(path).resolve()), stamp(path), tuple(overrides), int(runs), int(seed))
    with _FOLDERS_LOCK:
        if key in _FOLDERS and (_FOLDERS[key] / "manifest.json").exists():
            return _FOLDERS[key]
        out = Path(tempfile.mkdtemp(prefix="alignsim-dashboard-run-")) / "result"
        scen = scenario.load(path, tuple(overrides))
        request = {"request": {"from": "alignsim dashboard", "scenario": str(path), "changes": list(overrides),
                               "same_as": command(Path(path).stem, runs, seed, overrides)}}
        try:
            run_to_folder(scen, out, RunOptions(runs=int(runs), seed=int(seed), reducer=coalitions_and_balance,
                                                request=request, overrides=tuple(overrides)))
        except BaseException:
            shutil.rmtree(out.parent, ignore_errors=True)
            raise
        _FOLDERS[key] = out
        while len(_FOLDERS) > _KEEP_FOLDERS:
            old = _FOLDERS.pop(next(iter(_FOLDERS)))
            shutil.rmtree(old.parent, ignore_errors=True)
        return out


def _folder_of(r: Result) -> Path:
    """The result folder of a computed page result."""
    return result_folder(r.scen.path, r.overrides, r.runs, r.seed)


def quantiles_csv(r: Result) -> bytes:
    """quantiles.csv as `alignsim run` writes it for the page's settings."""
    return (_folder_of(r) / "quantiles.csv").read_bytes()


def final_csv(r: Result) -> bytes:
    """final.csv as `alignsim run` writes it for the page's settings."""
    return (_folder_of(r) / "final.csv").read_bytes()


def tables_zip(r: Result) -> bytes:
    """Every table and the manifest of the `alignsim run` folder (not the arrays)."""
    folder = _folder_of(r)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.iterdir()):
            if p.suffix in (".csv", ".json"):
                z.write(p, p.name)
    return buf.getvalue()


def command(base_name: str, runs: int, seed: int, overrides=()) -> str:
    """The equivalent `alignsim run` command line, for people to read and paste (shell-quoted)."""
    parts = ["alignsim", "run", base_name, "--runs", str(runs), "--seed", str(seed)]
    for o in overrides:
        k, v = o.split("=", 1)
        parts += ["--set", _shell_quote(f"{k}={v}")]
    return " ".join(parts)


def _shell_quote(s: str) -> str:
    return s if re.fullmatch(r"[A-Za-z0-9_.=+-]+", s) else "'" + s.replace("'", "'\"'\"'") + "'"


@atexit.register
def _cleanup() -> None:
    """Remove the kept result folders when the server exits."""
    for out in list(_FOLDERS.values()):
        shutil.rmtree(out.parent, ignore_errors=True)
