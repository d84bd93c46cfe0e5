"""alignsim: strategic alignment scenario simulator.

Layers, lowest first (docs/ARCHITECTURE.md): core, scenario, model, engine, then experiments,
figures and report, then apps; analysis holds pure functions on arrays.
"""

import hashlib
import os
import sys
from pathlib import Path

__version__ = "0.1.0"


def _kernel_cache_dir() -> str:
    """Where numba keeps the compiled kernels: a folder named by the package version and a hash
    of every source file of the package.

    numba checks a cached kernel only against the file that defines it, but our kernels inline
    code from other modules (the kernel uses core.vecmath and model.routing; core.rng uses
    core.vecmath), so an edit elsewhere would leave a stale kernel in use. Keyed by all the
    sources, an edited package simply compiles into a fresh folder; nothing is deleted."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted(here.rglob("*.py")):
        digest.update(str(path.relative_to(here)).encode())
        digest.update(path.read_bytes())
    name = f"kernels-{__version__}-{digest.hexdigest()[:16]}"
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given and os.path.basename(given.rstrip(os.sep)) == name:   # set by us in a parent process
        return given
    base = given or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "alignsim")
    return os.path.join(base, name)


def _use_kernel_cache() -> None:
    path = _kernel_cache_dir()
    if "numba" in sys.modules:   # numba already read its configuration: tell it directly
        sys.modules["numba"].config.CACHE_DIR = path
    os.environ["NUMBA_CACHE_DIR"] = path   # read by numba when it is imported, and by worker processes


_use_kernel_cache()
