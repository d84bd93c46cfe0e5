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

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic is intended)."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = x ^ (x >> _S30)
        x = x * _M1
        x = x ^ (x >> _S27)
        x = x * _M2
        return x ^ (x >> _S31)


def name_key(*parts: object) -> np.uint64:
    """A stable 64-bit key for names (not Python's salted hash())."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def combine(a, b) -> np.ndarray:
    """Chain two keys (broadcasting); order matters."""
    with np.errstate(over="ignore"):
        return mix(np.asarray(a, dtype=np.uint64) + _GOLDEN + mix(b))


def run_keys(seed: int, runs: np.ndarray, purpose: str) -> np.ndarray:
    """Key per run for one purpose: shape (R,)."""
    base = combine(name_key("alignsim", int(seed)), name_key(purpose))
    return combine(base, np.asarray(runs, dtype=np.uint64))


def uniform(keys: np.ndarray) -> np.ndarray:
    """Uniform doubles in the open interval (0, 1) from uint64 keys."""
    bits = mix(keys) >> np.uint64(11)
    return (bits.astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def normal(keys: np.ndarray) -> np.ndarray:
    """Standard normals by Box-Muller from two independent uniforms per key."""
    u1 = uniform(keys)
    u2 = uniform(combine(keys, np.uint64(0x5EED)))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
