"""Elementary functions built only from correctly rounded operations, for loops over runs.

Why: the ensemble kernels loop over runs innermost so that LLVM vectorizes them (4 or 8
doubles per instruction). Two things stand in the way of doing that with libm:

* a call to np.tanh / np.log / np.cos in a loop body stops LLVM's loop vectorizer (it
  cannot widen an opaque libm call), and
* a vector math library (SVML) would compute the vector lanes with different code from the
  scalar remainder of the loop, so run r's numbers would depend on where it falls in its
  batch: its position (lane or remainder) and the batch length. The project requires run r
  to be bit-identical whatever the chunk size.

So every function here uses only + - * /, sqrt, floor, abs, comparisons, selects and
exact bit manipulation of a double's pattern (for powers of two and exponents): IEEE 754
rounds each arithmetic operation correctly, so a vector lane and the scalar remainder give
the same bits, on any x86-64 (SSE2, AVX, AVX2, AVX-512 alike; checked by compiling for
each). Never compile these or their callers with fastmath: it would let LLVM contract
a*b+c into an FMA (possibly differently in vector and scalar code) and reassociate. Without
fastmath numba emits no contraction.

A ladder of selects (multiply by 2^32, 2^16, ... when a comparison says so) would build
the powers of two exactly too, but a ten-step ladder for log's exponent is a chain of
dependent compare-select-multiply steps: measured 3.9 ns per log (AVX-512 build) and 5.7
ns (AVX build without AVX2), against 0.54 and 2.1 ns for the bit pattern
(``np.float64(x).view(np.uint64)``, which vectorizes; without AVX2 LLVM uses 128-bit
integer instructions for it). Results are bit-identical either way.

Each function is ``@njit(inline="always")``: numba inlines its IR into the caller, so the
caller's loop over runs vectorizes (with plain ``@njit`` LLVM's inliner takes tanh and log
but leaves box_muller out as too large, and a loop with a call in it stays scalar).
Inlined IR is compiled under the caller's error model, and numba's default ("python") puts
a division-by-zero branch on every ``/``, an early exit that stops vectorization; so the
divisions here are written ``np.divide`` (numpy semantics, a bare IEEE division) and the
functions vectorize in any caller. The caller's loop should run over
``range(arr.shape[k])`` or over uint64 bounds (``range(np.uint64(r0), np.uint64(r1))``):
int64 bounds keep numba's negative-index wraparound and the loop stays scalar. Caveat:
numba's cache does not see changes in an inlined (or called) function from another file;
delete the callers' cached ``__pycache__/*.nbi``/``*.nbc`` after editing this module, or
they keep the old code.

Accuracy, measured against 80-bit long double references on dense grids and random draws
(tests/test_vecmath.py checks slightly looser bounds, and the same by hypothesis):

* tanh(x): every float64; max 2.3 ulp (absolute error <= 1.7e-16, relative <= 3.2e-16;
  np.tanh: 1.2 ulp); tanh(+-inf) = +-1, NaN -> NaN, -0 -> -0, tanh(x) = x for
  |x| < 2**-28 (subnormals exact), exactly odd.
* log(u): positive finite u (normal or subnormal); max 0.85 ulp (np.log: 0.62); fdlibm's
  polynomial and reduction, log(1) = 0. No checks: 0, negatives, inf and NaN give garbage.
* cos_sin_turn(u) = (cos 2 pi u, sin 2 pi u) for 0 <= u < 1: absolute error <= 1.4e-16
  (np.cos(2 * np.pi * u) is off by up to 6.4e-16, from rounding 2 pi u); exact at
  multiples of 1/4.
* box_muller(u1, u2) for 0 < u1 <= 1, 0 <= u2 < 1: sqrt(-2 log u1) (cos, sin)(2 pi u2),
  error <= 1.4 * radius * 2**-52.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_JIT = dict(cache=True, nogil=True, error_model="numpy", inline="always")

LN2_HI = 6.93147180369123816490e-01    # 0x3FE62E42FEE00000: 32 significant bits, so k*LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10    # ln 2 - LN2_HI
INV_LN2 = 1.44269504088896338700e00
PIO2 = 1.5707963267948966              # pi/2 rounded
TANH_TINY = 2.0 ** -28                 # below it tanh(x) = x to 2**-56 relative
_S52 = np.uint64(52)
_TWO52 = 4503599627370496.0
_POW2_SHIFT = _TWO52 + 1023.0
_TWO52_BITS = np.uint64(0x4330000000000000)       # bits of 2**52
_SQRT_HALF_BITS = np.uint64(0x3FE6A09E667F3BCD)   # bits of sqrt(1/2)
_EXP_MASK = np.uint64(0xFFF0000000000000)
_E_BIAS = np.uint64(2048 << 52)
_MIN_NORMAL = 2.0 ** -1022
_TWO54 = 2.0 ** 54

# expm1(r) = r + r^2 * (1/2! + r/3! + ... + r^11/13!): Taylor, truncation < 1.2e-17 relative
# for |r| <= ln2/2
_E2, _E3, _E4, _E5, _E6, _E7 = 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040
_E8, _E9, _E10, _E11, _E12, _E13 = 1 / 40320, 1 / 362880, 1 / 3628800, 1 / 39916800, 1 / 479001600, 1 / 6227020800

# fdlibm e_log.c: log(1+f) = f - hfsq + s*(hfsq + R(s^2)), s = f/(2+f)
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01

# fdlibm k_sin.c / k_cos.c minimax polynomials on [-pi/4, pi/4]
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11


@njit(**_JIT)
def _bits(x):
    return np.float64(x).view(np.uint64)


@njit(**_JIT)
def _float(b):
    return np.uint64(b).view(np.float64)


@njit(**_JIT)
def _pow2(k):
    """2**k for an integer-valued float -1022 <= k <= 1023, exactly: k + 2**52 + 1023 holds
    k + 1023 in its low mantissa bits; shifted left 52 they become the exponent field."""
    return _float(_bits(k + _POW2_SHIFT) << _S52)


@njit(**_JIT)
def tanh(x):
    """tanh(x) for any float64 (see the module docstring for accuracy)."""
    a = abs(x)
    t = 2.0 * a
    t = 40.0 if t > 40.0 else t              # tanh(20) rounds to 1; NaN passes through
    # e^t - 1 = 2^k (expm1(r) + 1) - 1, t = k ln2 + r, |r| <= ln2/2 (Cody-Waite: t - k*LN2_HI is exact)
    k = np.floor(t * INV_LN2 + 0.5)
    r = (t - k * LN2_HI) - k * LN2_LO
    p = _E12 + r * _E13
    p = _E11 + r * p
    p = _E10 + r * p
    p = _E9 + r * p
    p = _E8 + r * p
    p = _E7 + r * p
    p = _E6 + r * p
    p = _E5 + r * p
    p = _E4 + r * p
    p = _E3 + r * p
    p = _E2 + r * p
    p = r + (r * r) * p                      # expm1(r)
    s = _pow2(k)
    em1 = s * p + (s - 1.0)                  # e^t - 1 = e^(2a) - 1
    y = np.divide(em1, em1 + 2.0)            # tanh(a)
    y = -y if x < 0.0 else y
    return x if a < TANH_TINY else y         # keeps -0 and subnormals exact


@njit(**_JIT)
def logistic(x):
    """1 / (1 + e^-x), as (1 + tanh(x / 2)) / 2: the same bits in any vector lane."""
    return 0.5 * (1.0 + tanh(0.5 * x))


@njit(**_JIT)
def log(u):
    """Natural log of a positive finite double (see the module docstring)."""
    # u = m 2^e with m in [sqrt(1/2), sqrt(2)), from the bit pattern (musl's log.c): exact
    sub = u < _MIN_NORMAL
    u = u * _TWO54 if sub else u             # subnormal: scale into the normal range first
    b = _bits(u)
    tmp = b - _SQRT_HALF_BITS                # exponent field of tmp = e (two's complement)
    m = _float(b - (tmp & _EXP_MASK))
    e = _float(((tmp + _E_BIAS) >> _S52) | _TWO52_BITS) - (_TWO52 + 2048.0)
    e = e - 54.0 if sub else e
    f = m - 1.0                              # exact (Sterbenz)
    hfsq = 0.5 * f * f
    s = np.divide(f, 2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    rr = t2 + t1
    return e * LN2_HI - ((hfsq - (s * (hfsq + rr) + e * LN2_LO)) - f)


@njit(**_JIT)
def cos_sin_turn(u):
    """(cos(2 pi u), sin(2 pi u)) for 0 <= u < 1 (see the module docstring)."""
    v = 4.0 * u
    q = np.floor(v)
    g = v - q                                # exact, in [0, 1)
    b = g > 0.5
    g = g - 1.0 if b else g                  # exact, in [-1/2, 1/2]
    q = q + 1.0 if b else q                  # angle = q pi/2 + g pi/2, q in 0..4
    x = g * PIO2                             # |x| <= pi/4
    z = x * x
    # fdlibm __kernel_sin(x, 0, 0) and __kernel_cos(x, 0)
    rs = _S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))
    sn = x + (z * x) * (_S1 + z * rs)
    rc = z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
    hz = 0.5 * z
    w = 1.0 - hz
    cs = w + (((1.0 - w) - hz) + z * rc)
    # rotate by q quarter turns: q = 1 -> (-s, c), 2 -> (-c, -s), 3 -> (s, -c), 0 or 4 -> (c, s)
    odd = (q == 1.0) | (q == 3.0)
    c0 = sn if odd else cs
    s0 = cs if odd else sn
    c0 = -c0 if (q == 1.0) | (q == 2.0) else c0
    s0 = -s0 if (q == 2.0) | (q == 3.0) else s0
    return c0, s0


@njit(**_JIT)
def box_muller(u1, u2):
    """Two independent standard normals from u1 in (0, 1] and u2 in [0, 1)."""
    rad = np.sqrt(-2.0 * log(u1))
    c, s = cos_sin_turn(u2)
    return rad * c, rad * s
