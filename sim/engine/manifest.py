"""What a result folder's manifest records besides the run itself: the versions that made it."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

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
