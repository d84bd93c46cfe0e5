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
from numba import njit, types
from numba.extending import overload

from sim.core.vecmath import box_muller

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO53 = 1.0 / 9007199254740992.0

# mix, combine and uniform are numpy functions over arrays (and numpy scalars), and compiled code
# (njit) calls them on single keys through the overloads below, compiled with their caller. They
# were numba ufuncs (`vectorize`), built at import: a third of a second of every `alignsim run`
# before anything was drawn. Integer arithmetic is exact and the float steps are the same
# operations in the same order, so both forms give the same bits (tests/test_vecmath.py).


def mix(x):
    """SplitMix64 finaliser, element-wise over uint64 keys (numpy scalar or array)."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):   # uint64 products wrap, as the mixer intends
        x = x ^ (x >> np.uint64(30))
        x = x * _M1
        x = x ^ (x >> np.uint64(27))
        x = x * _M2
        return x ^ (x >> np.uint64(31))


def combine(a, b):
    """Chain two keys (broadcasting); order matters."""
    with np.errstate(over="ignore"):
        return mix(np.asarray(a, dtype=np.uint64) + _GOLDEN + mix(b))


def uniform(key):
    """Uniform double in the open interval (0, 1), element-wise."""
    return ((mix(key) >> np.uint64(11)).astype(np.float64) + 0.5) * _TWO53


@njit(inline="always")
def _mix1(x):
    x = np.uint64(x)
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@overload(mix)
def _mix_compiled(x):
    if isinstance(x, types.Integer):
        return lambda x: _mix1(x)


@overload(combine)
def _combine_compiled(a, b):
    if isinstance(a, types.Integer) and isinstance(b, types.Integer):
        return lambda a, b: _mix1(np.uint64(a) + _GOLDEN + _mix1(b))


@overload(uniform)
def _uniform_compiled(key):
    if isinstance(key, types.Integer):
        return lambda key: (float(_mix1(key) >> np.uint64(11)) + 0.5) * _TWO53


def name_key(*parts: object) -> np.uint64:
    """A stable 64-bit key for names (not Python's salted hash())."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def run_keys(seed: int, runs: np.ndarray, purpose: str) -> np.ndarray:
    """Key per run for one purpose: shape (R,)."""
    base = combine(name_key("alignsim", int(seed)), name_key(purpose))
    return combine(base, np.asarray(runs, dtype=np.uint64))


@njit(cache=True, nogil=True)
def uniform_pair(key):
    """Two independent uniforms in (0, 1) of one key: two consecutive SplitMix64 outputs,
    mix(key) and mix(key + golden gamma), one mix each."""
    return uniform(key), uniform(key + _GOLDEN)


@njit(cache=True, nogil=True)
def normal_pair(key):
    """Two independent standard normals by Box-Muller from the two uniforms of the key."""
    u1, u2 = uniform_pair(key)
    return box_muller(u1, u2)


@njit(cache=True, nogil=True)
def normal_field(keys, step, out):
    """The alignment noise of one step, runs innermost: keys and out are (N, N, R), R the
    runs axis (contiguous). out[i, j, r] and out[j, i, r] are the two normals of
    normal_pair(combine(keys[i, j, r], step)) for i < j; out[i, i, r] = 0. keys[j, i, r]
    (j > i) are not read. Returns out.

    Two passes over the runs per pair: one hashing the keys into two scratch rows of
    uniforms (64-bit integer multiplies: exact, so vectorized or not makes no difference;
    LLVM vectorizes it with AVX-512's vpmullq, and also without AVX2 by emulating them),
    then Box-Muller, which LLVM vectorizes (sim/vecmath.py: the same bits in vector lanes
    and the scalar remainder, so run r's numbers do not depend on its position in the batch
    or the batch length). Raises ValueError unless keys is (N, N, R) and out has its shape."""
    n = keys.shape[0]
    nr = keys.shape[2]
    if keys.shape[1] != n or out.shape != keys.shape:   # e.g. the old (R, N, N) layout
        raise ValueError("normal_field: keys and out must both be (N, N, R)")
    normal_block(keys, step, 0, nr, np.empty(nr), np.empty(nr), out)
    return out


@njit(cache=True, nogil=True)
def normal_block(keys, step, r0, r1, u1, u2, out):
    """normal_field for runs r0..r1-1 only (u1, u2: scratch indexed by run), for the engine's
    loop that takes one block of runs through every step."""
    n = keys.shape[0]
    off = _GOLDEN + mix(np.uint64(step))     # combine(k, step) = mix(k + off)
    for i in range(n):
        for r in range(np.uint64(r0), np.uint64(r1)):
            out[i, i, r] = 0.0
        for j in range(i + 1, n):
            for r in range(np.uint64(r0), np.uint64(r1)):
                u1[r], u2[r] = uniform_pair(mix(keys[i, j, r] + off))
            for r in range(np.uint64(r0), np.uint64(r1)):
                z1, z2 = box_muller(u1[r], u2[r])
                out[i, j, r] = z1
                out[j, i, r] = z2
