"""The compiled loops that drive the rules (sim.model.kernel.month): over blocks of runs, over
the months of a chunk, and the step-0 state.

A block is a slice of runs that stays in cache while it is taken through every month; a run's
numbers never depend on which block or vector lane it sits in (sim.model.kernel, module docstring).
"""

from numba import njit

from sim.core import rng
from sim.model.kernel import _JIT, _U, _dependence, _drive, _pressure, _sanctions, _standing_threat, _trade, month


@njit(**_JIT)
def month_all_runs(s, k, f, eps, step, block, x, out):
    """One month for every run, one block of runs at a time."""
    r_n = s.alignment.shape[2]
    for r0 in range(0, r_n, block):
        month(s, k, f, eps, step, r0, min(r0 + block, r_n), x, out)


@njit(**_JIT)
def every_month(s0, k, f, noise_keys, n_steps, f_rows, f_val, block, sa, sb, x, eps, u1, u2, rec_rows, rec):
    """Every month of every run: each block of runs is taken through all the steps before the
    next, so its state stays in cache (a month over a whole chunk streams ~10 MB).

    s0 is the step-0 State; sa and sb the two States months alternate between; f a Forcing
    filled each month from the compact table f_rows (K,) (rows of f.memory some shock touches)
    and f_val (T+1, K, R), every other entry staying zero; noise drawn inside from noise_keys
    (N, N, R). rec (R, T+1, M) float32 receives state memory rows rec_rows (M,) at every step.
    Month t is exactly `month_all_runs` (tested bit for bit)."""
    r_n = s0.alignment.shape[2]
    for r0 in range(0, r_n, block):
        r1 = min(r0 + block, r_n)
        _record(s0.memory, rec_rows, r0, r1, 0, rec)
        for t in range(1, n_steps + 1):
            for q in range(f_rows.shape[0]):
                row = f_rows[q]
                for r in range(_U(r0), _U(r1)):
                    f.memory[row, r] = f_val[t, q, r]
            rng.normal_block(noise_keys, t, r0, r1, u1, u2, eps)
            src = s0 if t == 1 else (sa if t % 2 == 0 else sb)
            dst = sa if t % 2 == 1 else sb
            month(src, k, f, eps, t, r0, r1, x, dst)
            _record(dst.memory, rec_rows, r0, r1, t, rec)


@njit(**_JIT)
def _record(memory, rows, r0, r1, t, out):
    """out[r, t, m] = memory[rows[m], r] for runs r0..r1-1 (run-last state rows into run-major
    float32 records)."""
    for r in range(r0, r1):
        for m in range(rows.shape[0]):
            out[r, t, m] = memory[rows[m], r]


@njit(**_JIT)
def initial_months(s, k, zero, block, x, nxt):
    """Step 0 into s (alignment and military already set): threats at their standing level;
    sanctions at the fixed point of the actors' own decisions (joining a friend's sanctions
    depends on the friend's own; the map is monotone and bounded, so it converges; 200 is a
    guard; iterating a run already at its fixed point leaves it there, so a block iterates until
    its last run settles); the pressure this leaves is chronic (written into k.chronic), not a
    call for help; trade routed with nothing closed. zero is an all-zero Forcing; nxt a
    scratch State."""
    n, r_n = s.alignment.shape[0], s.alignment.shape[2]
    a, mil = s.alignment, s.military
    for r0 in range(0, r_n, block):
        r1 = min(r0 + block, r_n)
        for i in range(n):
            for j in range(n):
                for r in range(_U(r0), _U(r1)):
                    s.threat[i, j, r] = 0.0 if i == j else _standing_threat(a, mil, i, j, r)
                    s.sanctions[i, j, r] = 0.0
        for _ in range(200):
            _sanctions(a, s.sanctions, k.trade_share, k.resolve, zero.sanction, zero.secondary, zero.relief, k.w,
                       r0, r1, x.acc[0], nxt.sanctions, nxt.secondary)
            same = True
            for i in range(n):
                for j in range(n):
                    for r in range(_U(r0), _U(r1)):
                        same &= nxt.sanctions[i, j, r] == s.sanctions[i, j, r]
                        s.sanctions[i, j, r] = nxt.sanctions[i, j, r]
                        s.secondary[i, j, r] = nxt.secondary[i, j, r]
            if same:
                break
        _pressure(zero.conflict, s.sanctions, k.econ_share, r0, r1, x.pressure)
        for i in range(n):
            for r in range(_U(r0), _U(r1)):
                k.chronic[i, r] = x.pressure[i, r]
        net = k.network
        _trade(a, s.sanctions, s.secondary, x.pressure, k.trade_share, k.tolerance, k.volume, k.w, k.capacity,
               zero.closure, net.choke_of, net.opens, 0, net.pair_i, net.pair_j, net.pref, r0, r1, x.exposure,
               s.trade, x.left, x.asked, x.frac, x.used, x.remaining, x.wanted)


@njit(**_JIT)
def drive_at(s, k, x, out):
    """The mechanism drive (A1-A2) at state s for every run, into out (N, N, R); used to
    calibrate the affinity at step 0."""
    r_n = s.alignment.shape[2]
    _dependence(s.trade, k.volume, 0, r_n, x.acc[0], x.dependence)
    _drive(s.alignment, s.threat, s.expectation, s.sanctions, s.secondary, x.dependence, k.similarity,
           k.expectation0, k.trade_share, k.w, 0, r_n, x.acc[0], x.acc[1], x.acc[2], x.acc[3], out)
