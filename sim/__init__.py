"""alignsim: strategic alignment scenario simulator."""

from pathlib import Path

__version__ = "0.1.0"


def _drop_stale_kernels() -> None:
    """Clear numba's on-disk kernel cache when a source file is newer than it.

    numba checks only the file a compiled function is defined in, but our kernels inline or link
    code from sibling modules (dynamics uses vecmath and corridor, rng uses vecmath): after
    editing one of those, a cached kernel would silently keep the old code. Installed copies never
    change, so this costs nothing there; after an edit the kernels recompile once (~20 s)."""
    here = Path(__file__).parent
    try:
        cached = [p for p in (here / "__pycache__").glob("*.nb[ic]")]
        if cached and max(p.stat().st_mtime for p in here.glob("*.py")) > min(p.stat().st_mtime for p in cached):
            for p in cached:
                p.unlink(missing_ok=True)
    except OSError:   # a read-only install or a concurrent cleaner: numba copes with what is left
        pass


_drop_stale_kernels()
