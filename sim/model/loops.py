"""The compiled loops that drive the rules (sim.model.kernel.month): over blocks of runs, over
the months of a chunk, and the step-0 state.

A block is a slice of runs that stays in cache while it is taken through every month; a run's
numbers never depend on which block or vector lane it sits in (sim.model.kernel, module docstring).
"""

from numba import njit

from sim.core import rng
from sim.model import interests, trade
from sim.model.kernel import drive, month, sanction_value, standing_threat
from sim.model.rules import JIT, U, clip
from sim.model.state import ECONOMIC

@njit(**JIT)
def month_all_runs(s, k, f, eps, step, block, x, out):
    """One month for every run, one block of runs at a time."""
    r_n = s.alignment.shape[2]
    for r0 in range(0, r_n, block):
        month(s, k, f, eps, step, r0, min(r0 + block, r_n), x, out)


@njit(**JIT)
def every_month(s0, k, f, noise_keys, n_steps, f_rows, f_val, block, sa, sb, x, eps, u1, u2, rec_rows, rec):
    """Every month of every run: each block of runs is taken through all the steps before the
    next, so its state stays in cache (a month over a whole chunk streams ~10 MB).

    s0 is the step-0 State; sa and sb the two States months alternate between; f a Forcing
    filled each month from the compact table f_rows (K,) (rows of f.memory some shock touches)
    and f_val (T+1, K, R), every other entry staying zero; noise drawn inside from noise_keys
    (N, N, R). rec (flat float32) receives, at every step, state memory row rec_rows[m, 0] of run
    r at rec_rows[m, 1] + (r (T+1) + t) rec_rows[m, 2] (`_record`). Month t is exactly
    `month_all_runs` (tested bit for bit)."""
    r_n = s0.alignment.shape[2]
    for r0 in range(0, r_n, block):
        r1 = min(r0 + block, r_n)
        _record(s0.memory, rec_rows, r0, r1, 0, n_steps + 1, rec)
        for t in range(1, n_steps + 1):
            for q in range(f_rows.shape[0]):
                row = f_rows[q]
                for r in range(U(r0), U(r1)):
                    f.memory[row, r] = f_val[t, q, r]
            rng.normal_block(noise_keys, t, r0, r1, u1, u2, eps)
            src = s0 if t == 1 else (sa if t % 2 == 0 else sb)
            dst = sa if t % 2 == 1 else sb
            month(src, k, f, eps, t, r0, r1, x, dst)
            _record(dst.memory, rec_rows, r0, r1, t, n_steps + 1, rec)


@njit(**JIT)
def _record(memory, rows, r0, r1, t, t1, out):
    """Run-last state rows into run-major float32 records, one field after another in the flat
    out: memory[rows[m, 0], r] goes to out[rows[m, 1] + (r t1 + t) rows[m, 2]] for runs r0..r1-1
    (rows[m, 1]: where field m's block starts, plus m's place in the field; rows[m, 2]: the
    field's size), so each field is a contiguous (R, T+1, ...) array with no copy."""
    for r in range(r0, r1):
        for m in range(rows.shape[0]):
            out[rows[m, 1] + (r * t1 + t) * rows[m, 2]] = memory[rows[m, 0], r]


@njit(**JIT)
def initial_months(s, k, zero, block, x):
    """Step 0 of s, whose alignment, military, positions, expectation, sanctions and secondary
    sanctions are set: threats at their standing level; trade at its 2024 flows, which fixes the
    reference factors and route losses in k (factor0, factor0_row, lost0); the value of each
    sanctions level at the start (k.sanction_value0), so decisions respond to its change; no
    need, so no support and no support decided yet; outcomes. zero is an all-zero Forcing."""
    n, r_n = s.alignment.shape[0], s.alignment.shape[2]
    a, mil = s.alignment, s.military
    for r0 in range(0, r_n, block):
        r1 = min(r0 + block, r_n)
        for i in range(n):
            for j in range(n):
                for r in range(U(r0), U(r1)):
                    s.threat[i, j, r] = 0.0 if i == j else standing_threat(a, mil, i, j, r)
        trade.trade_factors(s.sanctions, s.secondary, k.exposure_to, k.tolerance, k.row_exposure, k.row_tolerance,
                            k.w, r0, r1, x.exposure, x.cut, x.factor, x.cut_row)
        for i in range(n):
            for r in range(U(r0), U(r1)):
                k.factor0_row[i, r] = 1.0 - x.cut_row[i, r]
                k.lost0[i, r] = 0.0
            for j in range(n):
                for r in range(U(r0), U(r1)):
                    k.factor0[i, j, r] = x.factor[i, j, r]
        trade.trade(s.sanctions, s.secondary, s.economic_support, s.act[ECONOMIC], zero.closure, 0, k, r0, r1, x,
                    s.trade, s.trade_row)
        for i in range(n):
            for r in range(U(r0), U(r1)):
                k.lost0[i, r] = x.lost[i, r]
        _choke_losses(s, k, zero, r0, r1, x)
        trade.dependence(s.trade, s.trade_row, r0, r1, x.acc[0], x.dependence)
        for i in range(n):
            for j in range(n):
                for r in range(U(r0), U(r1)):
                    x.acc[0, r] = 0.0
                for q in range(n):
                    for r in range(U(r0), U(r1)):
                        x.acc[0, r] += max(a[i, q, r], 0.0) * s.sanctions[q, j, r]
                for r in range(U(r0), U(r1)):
                    k.sanction_value0[i, j, r] = sanction_value(k.w, r, a[i, j, r], s.threat[i, j, r], x.acc[0, r])
        interests.outcomes(s.positions, k.salience, mil, k.econ_share, r0, r1, x.acc[0], x.acc[1], x.acc[2],
                           s.outcome)


@njit(**JIT)
def _choke_losses(s, k, zero, r0, r1, x):
    """k.choke_loss[q, i]: the share of i's 2024 trade a full closure of q cuts (2024 flows and routes);
    k.choke_world[q]: the share of the rest of the world's own trade it cuts (its trade with the
    actors that no longer gets through, over k.row_total)."""
    trade_out, row_out = s.trade.copy(), s.trade_row.copy()
    for q in range(zero.closure.shape[0]):
        for r in range(U(r0), U(r1)):
            zero.closure[q, r] = 1.0
            x.acc[0, r] = 0.0
        trade.trade(s.sanctions, s.secondary, s.economic_support, s.act[ECONOMIC], zero.closure, 0, k, r0, r1, x,
                    trade_out, row_out)
        for i in range(s.alignment.shape[0]):
            for r in range(U(r0), U(r1)):
                k.choke_loss[q, i, r] = x.lost[i, r]
                x.acc[0, r] += s.trade_row[i, r] - row_out[i, r]
        for r in range(U(r0), U(r1)):
            zero.closure[q, r] = 0.0
            total = k.row_total[0, r]
            k.choke_world[q, r] = clip(x.acc[0, r] / total, 0.0, 1.0) if total > 0.0 else 0.0


@njit(**JIT)
def drive_at(s, k, x, out):
    """The mechanism drive (A1-A2) at state s for every run, into out (N, N, R); used to
    calibrate the affinity at step 0."""
    r_n = s.alignment.shape[2]
    trade.dependence(s.trade, s.trade_row, 0, r_n, x.acc[0], x.dependence)
    interests.similarity(s.positions, k.salience, 0, r_n, x.similarity)
    drive(s.alignment, s.threat, s.expectation, s.sanctions, s.secondary, x.dependence, x.similarity,
          k.expectation0, k.trade_share, k.w, 0, r_n, x.acc[0], x.sum_a, x.sum_b, x.acc[3], out)
