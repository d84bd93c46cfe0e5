"""What a result folder's manifest records besides the run itself: the versions that made it,
and the files added to a finished folder."""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from sim import __version__


def versions() -> dict:
    """The versions of alignsim, Python, the platform and the main libraries."""
    out = {"alignsim": __version__, "python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("numpy", "scipy", "mesa", "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def json_default(o):
    """JSON for numpy scalars (and anything else as text)."""
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    return str(o)


def record_files(out, paths) -> None:
    """Add files written into a finished result folder (redrawn figures, the report) to its
    manifest's "files", which lists everything the folder holds.

    Parameters
    ----------
    out : str or Path
        The result folder.
    paths : iterable of Path
        Files inside it; already listed ones are not repeated.
    """
    out = Path(out)
    path = out / "manifest.json"
    man = json.loads(path.read_text())
    files = man.setdefault("files", [])
    for p in paths:
        rel = Path(p).resolve().relative_to(out.resolve()).as_posix()
        if rel not in files:
            files.append(rel)
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(man, indent=2, default=json_default))
    tmp.replace(path)
