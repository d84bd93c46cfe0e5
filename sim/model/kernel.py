"""The rules of the model, written once: one month of R runs, compiled with numba.

Each submodel (docs/MODEL.md, section Details, in this order) is a small compiled function over
whole run-last arrays (matrices [i, j, r], vectors [i, r]) that works on runs r0..r1-1; `month`
calls them in order. The compiled loops over blocks of runs and over months that call it are in
sim.model.loops; sim.model.simulate calls those from Python.

Every innermost loop runs over the runs of a block, so the CPU does several runs per
instruction (SIMD) and third-party sums are independent across runs instead of one chain.

Why this is exact whatever the batch: runs never interact, each run's numbers come from the same
sequence of IEEE operations (no fastmath, so no reassociation or fused multiply-add), and the one
transcendental function, tanh, is built from correctly rounded operations (sim/core/vecmath.py),
so a run computed in a vector lane or in the scalar remainder of a loop gets the same bits.
"""

import numpy as np
from numba import njit

from sim.core import vecmath
from sim.model import routing
from sim.scenario.parameters import PARAMETERS

# Rows of the run-last parameter array Static.w, by name (PARAMETERS order).
W = {name: k for k, name in enumerate(PARAMETERS)}
INERTIA, NOISE, THREAT_MEMORY, EXPECT_LEARN = W["inertia"], W["noise"], W["threat_memory"], W["expectation_learning"]
W_INTEREST, W_SHARED, W_HOSTILITY, W_BALANCE = W["w_interest"], W["w_shared_threat"], W["w_hostility"], W["w_balance"]
W_ECONOMIC, W_TRUST, W_SANCTIONS = W["w_economic"], W["w_trust"], W["w_sanctions"]
RECIPROCITY, DIPLOMACY, DAMAGE, ARMS_GAIN = W["reciprocity"], W["diplomacy"], W["conflict_damage"], W["arms_gain"]
ARMS_ALARM, SANCTION_THETA, JOIN, REACH = W["arms_alarm"], W["sanction_threshold"], W["join_sanctions"], W["secondary_reach"]
EVASION, MILITARY_THETA = W["evasion"], W["military_support_threshold"]

_JIT = dict(cache=True, nogil=True, error_model="numpy")   # IEEE division: no Python zero-division branch in the loops
_U = np.uint64   # run indices as uint64: numba then drops the negative-index check and the loop vectorizes


@njit(**_JIT)
def _clip(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


# Every kernel takes whole run-last arrays, matrices [i, j, r] and vectors [i, r], and works on
# runs r0..r1-1; `acc`-like scratch arrays are indexed by run too.

@njit(**_JIT)
def _standing_threat(a, mil, i, j, r):
    """T1*: j's hostility toward i times j's share of the pair's military power."""
    return max(-a[j, i, r], 0.0) * mil[j, r] / max(mil[i, r] + mil[j, r], 1e-12)


@njit(**_JIT)
def _threat(a, t, mil, conflict, arms, w, r0, r1, alarm, out):
    """T1: T <- clip(m T + (1 - m) T* + attacks received + 0.5 attacks made + alarm, 0, 1)."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(_U(r0), _U(r1)):
                    out[i, j, r] = 0.0
                continue
            for r in range(_U(r0), _U(r1)):
                alarm[r] = 0.0   # j arming my enemies
            for q in range(n):
                for r in range(_U(r0), _U(r1)):
                    alarm[r] += max(-a[i, q, r], 0.0) * arms[j, q, r]
            for r in range(_U(r0), _U(r1)):
                m = w[THREAT_MEMORY, r]
                x = (m * t[i, j, r] + (1.0 - m) * _standing_threat(a, mil, i, j, r) + conflict[j, i, r]
                     + 0.5 * conflict[i, j, r] + w[ARMS_ALARM, r] * alarm[r])
                out[i, j, r] = _clip(x, 0.0, 1.0)


@njit(**_JIT)
def _military(mil, mil0, conflict, arms, w, r0, r1, hit, got, out):
    """M1: attacks erode capability, arms received restore it, within [5%, 300%] of initial."""
    n = mil.shape[0]
    for i in range(n):
        for r in range(_U(r0), _U(r1)):
            hit[r] = 0.0
            got[r] = 0.0
        for j in range(n):
            for r in range(_U(r0), _U(r1)):
                hit[r] += conflict[j, i, r]
                got[r] += arms[j, i, r]
        for r in range(_U(r0), _U(r1)):
            x = mil[i, r] * (1.0 - w[DAMAGE, r] * min(hit[r], 1.0)) + w[ARMS_GAIN, r] * got[r] * mil0[i, r]
            out[i, r] = _clip(x, 0.05 * mil0[i, r], 3.0 * mil0[i, r])


@njit(**_JIT)
def _sanctions(a, s_prev, share, resolve, sanction, secondary, relief, w, r0, r1, join, prim, sec):
    """S1/S2: impose on the strongly hostile (damped by the trade at stake), join friends'
    sanctions on one's rivals, add sanction shocks net of relief; secondary from shocks only."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(_U(r0), _U(r1)):
                    prim[i, j, r] = 0.0
                    sec[i, j, r] = 0.0
                continue
            for r in range(_U(r0), _U(r1)):
                join[r] = 0.0
            for q in range(n):
                for r in range(_U(r0), _U(r1)):
                    join[r] += max(a[i, q, r], 0.0) * s_prev[q, j, r]
            for r in range(_U(r0), _U(r1)):
                theta = w[SANCTION_THETA, r]
                hostile = max(-a[i, j, r], 0.0)   # joining needs a rival: 0 for friends
                impose = (resolve[i, r] * _clip((hostile - theta) / (1.0 - theta), 0.0, 1.0)
                          * (1.0 - 0.5 * share[i, j, r]))
                lifted = _clip(sanction[i, j, r] - relief[i, j, r], 0.0, 1.0)
                prim[i, j, r] = _clip(impose + w[JOIN, r] * join[r] * hostile + lifted, 0.0, 1.0)
                sec[i, j, r] = _clip(secondary[i, j, r] - relief[i, j, r], 0.0, 1.0)


@njit(**_JIT)
def _pressure(conflict, prim, econ_share, r0, r1, out):
    """N1 (before the chronic part is taken off): attacks plus sanctions by economic weight."""
    n = prim.shape[0]
    for j in range(n):
        for r in range(_U(r0), _U(r1)):
            out[j, r] = 0.0
        for i in range(n):
            for r in range(_U(r0), _U(r1)):
                out[j, r] += conflict[i, j, r] + prim[i, j, r] * econ_share[i, r]


@njit(**_JIT)
def _trade(a, prim, sec, pressure, share, tolerance, volume, w, capacity, closure, choke_of, opens,
           step, pair_i, pair_j, pref, r0, r1, exposure, out, left, asked, frac, used, remaining, wanted):
    """R1-R3: demand after sanctions, secondary-sanction cuts and evasion; then routed
    (routing.usable, routing.allocate)."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            for r in range(_U(r0), _U(r1)):
                exposure[i, j, r] = 0.0   # i's exposure to secondary sanctions for trading with j
            for s in range(n):
                for r in range(_U(r0), _U(r1)):
                    exposure[i, j, r] += share[i, s, r] * sec[s, j, r]
    for i in range(n):
        for r in range(_U(r0), _U(r1)):
            out[i, i, r] = 0.0
        for j in range(i + 1, n):
            for r in range(_U(r0), _U(r1)):
                reach = w[REACH, r]
                cut = max(_clip(reach * exposure[i, j, r] * (1.0 - tolerance[i, r]), 0.0, 1.0),
                          _clip(reach * exposure[j, i, r] * (1.0 - tolerance[j, r]), 0.0, 1.0))
                blocked = max(prim[i, j, r], prim[j, i, r])
                # a sanctioned actor sells to tolerant friends, under chronic or acute pressure
                lure = (_clip(pressure[i, r], 0.0, 1.0) * tolerance[j, r] * max(a[j, i, r], 0.0)
                        + _clip(pressure[j, r], 0.0, 1.0) * tolerance[i, r] * max(a[i, j, r], 0.0))
                factor = (1.0 - blocked) * (1.0 - cut) * (1.0 + w[EVASION, r] * lure)
                # never more trade with a partner that itself sanctions
                factor = min(factor, 1.0) if blocked > 0.0 else factor
                out[i, j, r] = volume[i, j, r] * factor
                out[j, i, r] = volume[j, i, r] * factor
    n_pairs = pair_i.shape[0]
    if n_pairs == 0:
        return
    routing.usable(capacity, closure, choke_of, opens, step, r0, r1, left)
    for p in range(n_pairs):
        for r in range(_U(r0), _U(r1)):
            wanted[p, r] = out[pair_i[p], pair_j[p], r]
            remaining[p, r] = wanted[p, r]
    for c in range(used.shape[0]):
        for r in range(_U(r0), _U(r1)):
            used[c, r] = 0.0
    routing.allocate(pref, r0, r1, left, remaining, asked, frac, used)
    for p in range(n_pairs):
        for r in range(_U(r0), _U(r1)):
            d = wanted[p, r] - remaining[p, r]
            out[pair_i[p], pair_j[p], r] = d
            out[pair_j[p], pair_i[p], r] = d


@njit(**_JIT)
def _dependence(trade, volume, r0, r1, total, out):
    """R4: D[i, j] = delivered trade with j over i's total baseline trade, in [0, 1]."""
    n = trade.shape[0]
    for i in range(n):
        for r in range(_U(r0), _U(r1)):
            total[r] = 0.0
        for j in range(n):
            for r in range(_U(r0), _U(r1)):
                total[r] += volume[i, j, r]
        for j in range(n):
            for r in range(_U(r0), _U(r1)):
                out[i, j, r] = _clip(trade[i, j, r] / max(total[r], 1e-12), 0.0, 1.0)


@njit(**_JIT)
def _support(a, need, dependence, exposure, reliability, tolerance, resolve, arms, w, r0, r1, total, military):
    """P1: backing for friends under pressure: diplomatic; economic (aid damped by the
    secondary-sanctions risk the giver will not tolerate, plus the lifeline of trade a non-hostile
    giver keeps open); military only above a resolve threshold. Arms shocks add."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(_U(r0), _U(r1)):
                    total[i, j, r] = 0.0
                    military[i, j, r] = 0.0
                continue
            for r in range(_U(r0), _U(r1)):
                theta = w[MILITARY_THETA, r]
                mil_share = _clip((resolve[i, r] - theta) / (1.0 - theta), 0.0, 1.0)
                will = reliability[i, r] * max(a[i, j, r], 0.0) * need[j, r]
                aid = will * _clip(1.0 - w[REACH, r] * (1.0 - tolerance[i, r]) * exposure[i, j, r], 0.0, 1.0)
                lifeline = need[j, r] * dependence[j, i, r]   # loaded either way, so the loop vectorizes
                lifeline = lifeline if a[i, j, r] > 0.0 else 0.0
                economic = _clip(aid + lifeline, 0.0, 1.0)
                mil = will * mil_share
                total[i, j, r] = _clip(0.2 * will + 0.3 * economic + 0.5 * mil + arms[i, j, r], 0.0, 1.0)
                military[i, j, r] = mil


@njit(**_JIT)
def _expectation(x, support, need, diplomacy, w, r0, r1, gap, out):
    """E1: gap[i, j] = support received from j minus what i expected of j at its need; the
    expectation learns from the gap, and summits raise it."""
    n = x.shape[0]
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(_U(r0), _U(r1)):
                    gap[i, j, r] = 0.0
                    out[i, j, r] = 0.0
                continue
            for r in range(_U(r0), _U(r1)):
                g = support[j, i, r] - x[i, j, r] * need[i, r]
                gap[i, j, r] = g
                out[i, j, r] = _clip(x[i, j, r] + w[EXPECT_LEARN, r] * (g + diplomacy[i, j, r] * (1.0 - x[i, j, r])),
                                     0.0, 1.0)


@njit(**_JIT)
def _drive(a, threat, expectation, prim, sec, dependence, similarity, expectation0, share, w, r0, r1,
           t_total, both, bal, third, out):
    """A1-A2: the explained part of the target alignment's drive: interests, shared threats,
    hostility, structural balance, trade dependence, trust and sanctions."""
    n = a.shape[0]
    for i in range(n):
        for r in range(_U(r0), _U(r1)):
            t_total[r] = 0.0
        for k in range(n):
            for r in range(_U(r0), _U(r1)):
                t_total[r] += threat[i, k, r]
        for j in range(n):
            if i == j:
                for r in range(_U(r0), _U(r1)):
                    out[i, j, r] = 0.0
                continue
            for r in range(_U(r0), _U(r1)):
                both[r] = 0.0     # shared threat: share of i's threat that j shares
                bal[r] = 0.0      # Heider: friend of a friend, enemy of an enemy
                third[r] = 0.0    # j's secondary sanctions on i's partners
            for k in range(n):
                for r in range(_U(r0), _U(r1)):
                    both[r] += threat[i, k, r] * threat[j, k, r]
                    bal[r] += a[i, k, r] * a[k, j, r]
                    third[r] += share[i, k, r] * sec[j, k, r]
            for r in range(_U(r0), _U(r1)):
                shared = both[r] / t_total[r] if t_total[r] > 1e-12 else 0.0
                pressure = prim[j, i, r] + 0.5 * prim[i, j, r] + third[r]
                out[i, j, r] = (w[W_INTEREST, r] * similarity[i, j, r] + w[W_SHARED, r] * shared
                                - w[W_HOSTILITY, r] * threat[i, j, r] + w[W_BALANCE, r] * bal[r] / max(n - 2, 1)
                                + w[W_ECONOMIC, r] * dependence[i, j, r]
                                + w[W_TRUST, r] * (expectation[i, j, r] - expectation0[i, j, r])
                                - w[W_SANCTIONS, r] * pressure)


@njit(**_JIT)
def _update(a, drive, affinity, gap, diplomacy, eps, w, r0, r1, out):
    """A4: move a share `inertia` toward tanh(affinity + drive), add event pulses and noise, clip.
    tanh keeps the target inside (-1, 1) however large the drive; the clip only catches pulses
    and noise at the edges."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(_U(r0), _U(r1)):
                    out[i, j, r] = 0.0
                continue
            for r in range(_U(r0), _U(r1)):
                x = (a[i, j, r] + w[INERTIA, r] * (vecmath.tanh(affinity[i, j, r] + drive[i, j, r]) - a[i, j, r])
                     + w[RECIPROCITY, r] * gap[i, j, r] + w[DIPLOMACY, r] * diplomacy[i, j, r]
                     + w[NOISE, r] * eps[i, j, r])
                out[i, j, r] = _clip(x, -1.0, 1.0)


@njit(**_JIT)
def month(s, k, f, eps, step, r0, r1, x, out):
    """One month for runs r0..r1-1: every submodel in order, reading the previous state s and
    writing out (State), with static inputs k (Static), this month's forcing f (Forcing),
    noise eps (N, N, R) and working space x (Scratch).

    Kept as one function that calls the submodels: each is already a short loop nest, and
    numba inlines none of them, so splitting further would cost nothing but add calls."""
    n = s.alignment.shape[0]
    w = k.w
    net = k.network
    _threat(s.alignment, s.threat, s.military, f.conflict, f.arms, w, r0, r1, x.acc[0], out.threat)
    _military(s.military, k.military0, f.conflict, f.arms, w, r0, r1, x.acc[0], x.acc[1], out.military)
    _sanctions(s.alignment, s.sanctions, k.trade_share, k.resolve, f.sanction, f.secondary, f.relief, w, r0, r1,
               x.acc[0], out.sanctions, out.secondary)
    _pressure(f.conflict, out.sanctions, k.econ_share, r0, r1, x.pressure)
    for i in range(n):
        for r in range(_U(r0), _U(r1)):
            out.need[i, r] = _clip(x.pressure[i, r] - k.chronic[i, r], 0.0, 1.0)
    _trade(s.alignment, out.sanctions, out.secondary, x.pressure, k.trade_share, k.tolerance, k.volume, w,
           k.capacity, f.closure, net.choke_of, net.opens, step, net.pair_i, net.pair_j, net.pref, r0, r1,
           x.exposure, out.trade, x.left, x.asked, x.frac, x.used, x.remaining, x.wanted)
    _dependence(out.trade, k.volume, r0, r1, x.acc[0], x.dependence)
    _support(s.alignment, out.need, x.dependence, x.exposure, k.reliability, k.tolerance, k.resolve, f.arms, w,
             r0, r1, out.support, out.military_support)
    _expectation(s.expectation, out.support, out.need, f.diplomacy, w, r0, r1, x.gap, out.expectation)
    _drive(s.alignment, out.threat, out.expectation, out.sanctions, out.secondary, x.dependence, k.similarity,
           k.expectation0, k.trade_share, w, r0, r1, x.acc[0], x.acc[1], x.acc[2], x.acc[3], x.drive)
    _update(s.alignment, x.drive, k.affinity, x.gap, f.diplomacy, eps, w, r0, r1, out.alignment)
