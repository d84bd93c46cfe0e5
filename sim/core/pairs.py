"""Pairs of actors and two-coalition structures: shared conventions of the model, the engine's
tables and the analyses.

Matrices are indexed [from, to]. A two-coalition structure of n actors is coded as an integer:
actor 0 is on side 0, and bit k gives actor k+1's side (Axelrod & Bennett's landscape
configurations, as enumerated by sim.analysis.landscape).
"""

from __future__ import annotations

import numpy as np


def mutual(a: np.ndarray) -> np.ndarray:
    """Symmetric mutual alignment (A + A^T) / 2 over the last two axes."""
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def pair_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Upper-triangle pairs (i < j) in row order, as in quantiles.csv."""
    return np.triu_indices(n, k=1)


def directed_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (i != j) in row order."""
    off = ~np.eye(n, dtype=bool)
    return np.nonzero(off)


def code_to_sides(codes, n: int) -> np.ndarray:
    """Side vectors (..., n) of uint8 for configuration codes."""
    c = np.asarray(codes, dtype=np.int64)
    out = np.zeros(c.shape + (n,), dtype=np.uint8)
    if n > 1:
        out[..., 1:] = (c[..., None] >> np.arange(n - 1, dtype=np.int64)) & 1
    return out


def structure_label(actors, code: int, names=None) -> str:
    """'{iran, china, russia} vs {us, israel}', or '{...} (one coalition)' for the grand coalition."""
    sides = code_to_sides(int(code), len(actors))
    show = [names[a] if names else a for a in actors]
    a = [m for m, x in zip(show, sides) if x == 0]
    b = [m for m, x in zip(show, sides) if x == 1]
    if not b:
        return "{" + ", ".join(a) + "} (one coalition)"
    return "{" + ", ".join(a) + "} vs {" + ", ".join(b) + "}"
