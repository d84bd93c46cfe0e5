"""sim/vecmath.py (libm-free tanh, log, cos/sin, Box-Muller) and the runs-innermost
rng.normal_field built on it: accuracy against 80-bit long double references and numpy,
the normals' distribution, and run r's noise bit-identical whatever its batch."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import stats

from sim.core import rng

from sim.core import vecmath as vm

LD = np.longdouble
EXTENDED = np.finfo(LD).nmant >= 63      # x86-64: 80-bit long double, 11 more bits than float64
needs_ld = pytest.mark.skipif(not EXTENDED, reason="needs an extended-precision long double reference")
TWO_PI = 2 * np.arccos(LD(-1))         # 2 pi to long double precision (np.pi is only a double)


# The functions run inside compiled loops (as the kernels use them: vectorized, with a scalar
# remainder); the hypothesis tests call them from Python (the standalone scalar compile).
@njit
def _tanh_all(x):
    out = np.empty_like(x)
    for r in range(x.shape[0]):
        out[r] = vm.tanh(x[r])
    return out


@njit
def _log_all(u):
    out = np.empty_like(u)
    for r in range(u.shape[0]):
        out[r] = vm.log(u[r])
    return out


@njit
def _cos_sin_all(u):
    c = np.empty_like(u)
    s = np.empty_like(u)
    for r in range(u.shape[0]):
        c[r], s[r] = vm.cos_sin_turn(u[r])
    return c, s


@njit
def _box_muller_all(u1, u2):
    z1 = np.empty_like(u1)
    z2 = np.empty_like(u1)
    for r in range(u1.shape[0]):
        z1[r], z2[r] = vm.box_muller(u1[r], u2[r])
    return z1, z2


def _ulps(y, ref):
    """|y - ref| in units of the float64 ulp at ref (ref in long double)."""
    return np.abs(y.astype(LD) - ref) / np.spacing(np.abs(ref.astype(np.float64)))


GEN = np.random.default_rng(20240601)
TANH_X = np.concatenate([np.linspace(-25, 25, 1_000_001), GEN.standard_normal(300_000) * 3,
                         np.exp(GEN.uniform(np.log(1e-300), np.log(1e3), 300_000)) * GEN.choice([-1, 1], 300_000),
                         [19.99, 20.0, 20.01, 40.0, 1e300, np.finfo(float).max, 2.0 ** -28, 2.0 ** -27]])
LOG_U = np.concatenate([np.linspace(2.0 ** -60, 2, 1_000_001), GEN.uniform(size=300_000),
                        2.0 ** GEN.uniform(-1022, 1023.99, 300_000), np.linspace(0.70, 1.42, 200_001),
                        1 + np.arange(-2000, 2000) * 2.0 ** -52, 2.0 ** np.arange(-1022, 1024)])
TURN_U = np.concatenate([np.linspace(0, 1, 1_000_000, endpoint=False), GEN.uniform(size=300_000),
                         np.arange(1, 4096) / 4096, 1 - 2.0 ** -53 * np.arange(1, 100)])


# ---- tanh

def test_tanh_against_numpy():
    y = _tanh_all(TANH_X)
    ref = np.tanh(TANH_X)
    assert np.abs(y - ref).max() <= 5e-16
    big = np.abs(TANH_X) >= 1e-300
    assert (np.abs(y - ref)[big] / np.abs(ref[big])).max() <= 1e-15


@needs_ld
def test_tanh_ulps():
    y = _tanh_all(TANH_X)
    ref = np.tanh(TANH_X.astype(LD))
    assert _ulps(y, ref).max() <= 3.0                 # measured 2.4
    assert float(np.abs(y.astype(LD) - ref).max()) <= 2e-16


def test_tanh_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, 5e-324, -5e-324, 1e-310, 20.0, -20.0, 1e308, np.nan])
    y = _tanh_all(x)
    assert np.array_equal(y[:-1], [0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 1e-310, 1.0, -1.0, 1.0])
    assert np.signbit(y[1]) and not np.signbit(y[0])
    assert np.isnan(y[-1])
    assert np.array_equal(_tanh_all(-TANH_X), -_tanh_all(TANH_X))   # odd, exactly


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_tanh_hypothesis(x):
    y = vm.tanh(x)
    assert abs(y - np.tanh(x)) <= 5e-16
    if abs(x) >= 1e-300:
        assert abs(y - np.tanh(x)) <= 1e-15 * abs(np.tanh(x))
    if EXTENDED:
        assert _ulps(np.array([y]), np.tanh(np.array([x], dtype=LD)))[0] <= 3.0


# ---- log

def test_log_against_numpy():
    y = _log_all(LOG_U)
    ref = np.log(LOG_U)
    assert (np.abs(y - ref) / np.spacing(np.abs(ref))).max() <= 2.0
    assert _log_all(np.array([1.0]))[0] == 0.0


@needs_ld
def test_log_ulps():
    assert _ulps(_log_all(LOG_U), np.log(LOG_U.astype(LD))).max() <= 1.0    # measured 0.83


def test_log_subnormal_and_extremes():
    u = np.array([5e-324, 1e-310, 2.0 ** -1022, np.finfo(float).max, 2.0 ** -54, 0.5 * 2.0 ** -53])
    assert np.allclose(_log_all(u), np.log(u), rtol=4e-16, atol=0)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=2.0 ** -1022, max_value=np.finfo(float).max))
def test_log_hypothesis(u):
    y = vm.log(u)
    ref = np.log(u)
    assert abs(y - ref) <= 2.0 * np.spacing(abs(ref)) or y == ref
    if EXTENDED:
        assert _ulps(np.array([y]), np.log(np.array([u], dtype=LD)))[0] <= 1.0


# ---- cos/sin of a turn

@needs_ld
def test_cos_sin_turn_accuracy():
    c, s = _cos_sin_all(TURN_U)
    angle = TWO_PI * TURN_U.astype(LD)
    assert float(np.abs(c - np.cos(angle)).max()) <= 2.5e-16      # measured 1.4e-16
    assert float(np.abs(s - np.sin(angle)).max()) <= 2.5e-16


def test_cos_sin_turn_against_numpy():
    c, s = _cos_sin_all(TURN_U)
    # numpy's own error is up to ~6e-16 here: 2 pi u rounds before the cosine
    assert np.abs(c - np.cos(2 * np.pi * TURN_U)).max() <= 1e-15
    assert np.abs(s - np.sin(2 * np.pi * TURN_U)).max() <= 1e-15
    assert np.abs(c * c + s * s - 1).max() <= 5e-16


def test_cos_sin_turn_exact_quarters():
    c, s = _cos_sin_all(np.array([0.0, 0.25, 0.5, 0.75]))
    assert np.array_equal(c, [1, 0, -1, 0]) and np.array_equal(s, [0, 1, 0, -1])


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_cos_sin_turn_hypothesis(u):
    c, s = vm.cos_sin_turn(u)
    assert abs(c - np.cos(2 * np.pi * u)) <= 1e-15 and abs(s - np.sin(2 * np.pi * u)) <= 1e-15
    if EXTENDED:
        a = TWO_PI * LD(u)
        assert abs(LD(c) - np.cos(a)) <= 2.5e-16 and abs(LD(s) - np.sin(a)) <= 2.5e-16


# ---- Box-Muller and the noise field

@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=2.0 ** -54, max_value=1.0, exclude_min=False),
       st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_box_muller_formula(u1, u2):
    z1, z2 = vm.box_muller(u1, u2)
    rad = np.sqrt(-2 * np.log(u1))
    assert abs(z1 - rad * np.cos(2 * np.pi * u2)) <= 1e-15 * max(rad, 1.0) * 2
    assert abs(z2 - rad * np.sin(2 * np.pi * u2)) <= 1e-15 * max(rad, 1.0) * 2


def _field(keys_nnr, step):
    return rng.normal_field(keys_nnr, step, np.empty(keys_nnr.shape))


def _keys(runs, n, seed=11):
    """(N, N, R) keys of runs `runs` for n actors, as a caller builds them."""
    pair = np.arange(n * n, dtype=np.uint64).reshape(n, n) * np.uint64(0x1234567)
    return np.ascontiguousarray(rng.combine(rng.run_keys(seed, np.asarray(runs), "noise")[None, None, :],
                                            pair[:, :, None]))


def _upper(z):
    """Both normals of every pair: the upper and lower triangles, flattened."""
    i, j = np.triu_indices(z.shape[0], 1)
    return np.concatenate([z[i, j].ravel(), z[j, i].ravel()])


def test_noise_moments_and_ks():
    n, runs = 5, 100_000                                   # 2 * 10 * 1e5 = 2e6 normals
    z = _upper(_field(_keys(np.arange(runs), n), 3))
    m = z.size
    assert abs(z.mean()) < 5 / np.sqrt(m)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / m)
    assert abs(stats.kurtosis(z, fisher=False) - 3) < 5 * np.sqrt(24 / m)
    assert abs(stats.skew(z)) < 5 * np.sqrt(6 / m)
    for k in (2, 3, 4):                                    # the tails, as binomial counts
        p = 2 * stats.norm.sf(k)
        assert abs(np.mean(np.abs(z) > k) - p) < 5 * np.sqrt(p * (1 - p) / m)
    assert stats.kstest(z, stats.norm.cdf).pvalue > 1e-3
    # the two normals of a pair, and neighbouring pairs, are uncorrelated
    f = _field(_keys(np.arange(runs), n), 4)
    for a, b in ((f[0, 1], f[1, 0]), (f[0, 1], f[0, 2]), (f[1, 3], f[3, 4])):
        assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(runs)
    # successive steps are independent
    assert abs(np.corrcoef(_field(_keys(np.arange(runs), n), 5)[0, 1], f[0, 1])[0, 1]) < 5 / np.sqrt(runs)


def test_box_muller_moments_on_a_grid():
    """Box-Muller of a fine stratified grid of (u1, u2): the moments are those of N(0, 1) to
    quadrature accuracy, not sampling noise (checks the functions, not the hash)."""
    k = 1000
    u1, u2 = np.meshgrid((np.arange(k) + 0.5) / k, (np.arange(k) + 0.5) / k)
    z1, z2 = _box_muller_all(u1.ravel(), u2.ravel())
    for z in (z1, z2):
        assert abs(z.mean()) < 1e-12 and abs(z.var() - 1) < 2e-3
    assert abs(np.mean(z1 * z2)) < 1e-12


def test_normal_field_layout():
    n, runs = 6, 37
    keys = _keys(np.arange(runs), n)
    out = _field(keys, 9)
    assert out.shape == (n, n, runs)
    assert np.all(out[np.arange(n), np.arange(n)] == 0)
    assert np.array_equal(out, _field(keys, 9))           # deterministic
    assert not np.array_equal(out, _field(keys, 10))      # the step matters
    lower = keys.copy()
    i, j = np.tril_indices(n, -1)
    lower[i, j] = np.uint64(12345)                        # keys[j, i] (j > i) are not read
    assert np.array_equal(out, _field(lower, 9))
    for (a, b, r) in ((0, 1, 0), (2, 5, 36), (3, 4, 17)):  # = normal_pair of the step's key, scalar
        z1, z2 = rng.normal_pair(rng.combine(keys[a, b, r], np.uint64(9)))
        assert out[a, b, r] == z1 and out[b, a, r] == z2


@pytest.mark.parametrize("batch", [1, 3, 7, 64, 2000])
def test_normal_field_bit_identical_whatever_the_batch(batch):
    """Run r's noise does not depend on the batch length or r's position in it (vector lane,
    vector remainder or scalar remainder)."""
    n, total, step = 5, 2000, 42
    full = _field(_keys(np.arange(total), n), step)
    g = np.random.default_rng(batch)
    for r in (0, 1, 5, 1234, 1999):
        for pos in sorted({0, batch // 2, batch - 1}):
            others = g.choice(np.delete(np.arange(total), r), batch - 1, replace=False)
            runs = np.insert(others, pos, r)
            out = _field(_keys(runs, n), step)
            assert np.array_equal(out[:, :, pos], full[:, :, r])
            assert np.array_equal(out, full[:, :, runs])


def test_compiled_loops_equal_scalar_calls():
    """The vectorized loop bodies give the bits of the standalone (scalar) compile."""
    x = np.concatenate([GEN.standard_normal(600) * 5, [0.0, -0.0, 1e-300, 30.0]])
    u = np.concatenate([GEN.uniform(size=600), 2.0 ** GEN.uniform(-1000, 1000, 200)])
    assert np.array_equal(_tanh_all(x), [vm.tanh(v) for v in x])
    assert np.array_equal(_log_all(u), [vm.log(v) for v in u])
    c, s = _cos_sin_all(u % 1.0)
    assert np.array_equal(np.stack([c, s], 1), [vm.cos_sin_turn(v) for v in u % 1.0])


def test_loops_vectorize():
    """No libm call: a loop over runs calling these compiles to packed (SIMD) instructions."""
    import llvmlite.binding as ll
    if not ll.get_host_cpu_features().get("avx"):
        pytest.skip("no AVX on this CPU")

    @njit(cache=False)
    def kernel(a, b, x, o1, o2, o3):
        for r in range(a.shape[0]):
            o1[r], o2[r] = vm.box_muller(a[r], b[r])
            o3[r] = vm.tanh(x[r])

    v = np.full(64, 0.5)
    kernel(v, v, v, v.copy(), v.copy(), v.copy())
    asm = kernel.inspect_asm(kernel.signatures[0])
    assert len(re.findall(r"\bv\w+pd\b[^\n]*%[yz]mm", asm)) > 50
    assert not re.search(r"call\w*\s+\S*(log|cos|sin|tanh)", asm)
