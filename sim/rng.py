"""Counter-based random numbers keyed by (root seed, run, purpose, step, element).

Why not one numpy Generator per run: creating a million Generators costs tens of
seconds, and a chunked Generator's draws depend on how many runs share it. A pure
function of the key needs neither: run r draws the same numbers whatever the chunk
size, worker count or backend, and draws keyed by *names* (parameter key paths,
actor ids, shock names) are common random numbers across scenarios of different
shape. The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied in
a chain so that every key component changes every output bit.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numba import njit, vectorize

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SEED2 = np.uint64(0x5EED)
_TWO53 = 1.0 / 9007199254740992.0

# Compiled ufuncs (numba.vectorize): the same code serves whole arrays and single keys, and
# uint64 arithmetic wraps, as the mixer intends.


@vectorize(["uint64(uint64)"], cache=True)
def mix(x):
    """SplitMix64 finaliser."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@vectorize(["uint64(uint64, uint64)"], cache=True)
def combine(a, b):
    """Chain two keys (broadcasting); order matters."""
    return mix(a + _GOLDEN + mix(b))


@vectorize(["float64(uint64)"], cache=True)
def uniform(key):
    """Uniform double in the open interval (0, 1)."""
    return (float(mix(key) >> np.uint64(11)) + 0.5) * _TWO53


def name_key(*parts: object) -> np.uint64:
    """A stable 64-bit key for names (not Python's salted hash())."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def run_keys(seed: int, runs: np.ndarray, purpose: str) -> np.ndarray:
    """Key per run for one purpose: shape (R,)."""
    base = combine(name_key("alignsim", int(seed)), name_key(purpose))
    return combine(base, np.asarray(runs, dtype=np.uint64))


@njit(cache=True)
def normal_pair(key):
    """Two independent standard normals by Box-Muller from two uniforms of the key."""
    u1 = uniform(key)
    u2 = uniform(combine(key, _SEED2))
    rad = np.sqrt(-2.0 * np.log(u1))
    return rad * np.cos(2.0 * np.pi * u2), rad * np.sin(2.0 * np.pi * u2)


@njit(cache=True)
def normal_field(keys, step, out):
    """The alignment noise of one step, in one fused pass: out[r, i, j] and out[r, j, i] are the
    two normals of the key of the pair {i, j} (i < j) at this step; 0 on the diagonal."""
    t = np.uint64(step)
    n = keys.shape[1]
    for r in range(keys.shape[0]):
        for i in range(n):
            out[r, i, i] = 0.0
            for j in range(i + 1, n):
                out[r, i, j], out[r, j, i] = normal_pair(combine(keys[r, i, j], t))
    return out
