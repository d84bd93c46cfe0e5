"""The rules of the model, written once, over a leading run axis.

`step` advances R runs by one month. The Mesa model calls it with R = 1; the ensemble
calls it with thousands. Equations are in docs/MODEL.md, section Details, in this order.

Each submodel is a small compiled (numba) function; `_step_runs` calls them in order on a
block of runs at a time. Memory is laid out with the runs axis LAST (matrix [i, j, r]), and
every innermost loop runs over the runs of the block, so the CPU does several runs per
instruction (SIMD) and sums over third parties are independent across runs instead of one long
chain. The State and Static dataclasses still present (R, ...) arrays: they are views of that
run-last memory (`runs_first`), so callers index [r, i, j] as before.

Why this is exact whatever the batch: runs never interact, each run's numbers come from the same
sequence of IEEE operations (no fastmath, so no reassociation or fused multiply-add), and the one
transcendental function, tanh, is built from correctly rounded operations (sim/vecmath.py), so a
run computed in a vector lane or in the scalar remainder of a loop gets the same bits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit

from . import corridor, rng, vecmath

# float64 throughout: chunks are small enough to stay in cache, so float32 buys little,
# and float64 keeps tanh/accumulated pulses far from rounding at the +-1 bounds.
DTYPE = np.float64


@dataclass(frozen=True)
class Parameter:
    default: float
    lo: float
    hi: float
    meaning: str
    source: str


J = "judgment, see docs/MODEL.md"
PARAMETERS: dict[str, Parameter] = {
    "inertia": Parameter(0.12, 0.0, 1.0, "share of the gap to the target alignment closed per month",
                         "judgment: alignments shift over years; half-life about 5 months"),
    "noise": Parameter(0.015, 0.0, 0.5, "s.d. of monthly random change in each directed alignment", J),
    "w_interest": Parameter(0.5, 0.0, 10.0, "weight of salience-weighted interest similarity", J),
    "w_shared_threat": Parameter(0.8, 0.0, 10.0, "weight of threats both actors perceive from third parties", J),
    "w_hostility": Parameter(0.8, 0.0, 10.0, "weight of i's threat perception of j, lowering i's alignment to j", J),
    "w_balance": Parameter(0.4, 0.0, 10.0, "weight of structural balance (friend of friend, enemy of enemy)", J),
    "w_economic": Parameter(0.6, 0.0, 10.0, "weight of i's trade dependence on j", J),
    "w_trust": Parameter(1.0, 0.0, 10.0, "weight of the change in expected support since the start", J),
    "w_sanctions": Parameter(0.8, 0.0, 10.0, "weight of sanctions between the two", J),
    "reciprocity": Parameter(0.5, 0.0, 5.0, "immediate alignment change per unit of support received minus expected", J),
    "diplomacy": Parameter(0.06, 0.0, 1.0, "immediate alignment change per unit of summit intensity", J),
    "threat_memory": Parameter(0.85, 0.0, 1.0, "share of threat perception kept each month", J),
    "expectation_learning": Parameter(0.3, 0.0, 1.0, "rate at which expected support tracks delivered support", J),
    "conflict_damage": Parameter(0.10, 0.0, 1.0, "share of military capability lost per month of full-intensity attack", J),
    "arms_gain": Parameter(0.15, 0.0, 1.0, "capability restored per unit of arms received, as a share of the initial", J),
    "arms_alarm": Parameter(0.2, 0.0, 5.0, "threat an actor perceives from a supplier arming its enemy", J),
    "sanction_threshold": Parameter(0.5, 0.0, 0.99, "hostility beyond which an actor imposes sanctions", J),
    "join_sanctions": Parameter(0.5, 0.0, 5.0, "readiness to join a friend's sanctions on a shared rival", J),
    "secondary_reach": Parameter(0.6, 0.0, 10.0, "trade cut per unit of exposure to secondary sanctions at zero tolerance", J),
    "evasion": Parameter(1.0, 0.0, 5.0, "trade growth of a sanctioned actor with tolerant friendly partners", J),
    "military_support_threshold": Parameter(0.6, 0.0, 0.99, "resolve above which an actor gives military support", J),
}


@dataclass(frozen=True)
class State:
    """Everything that changes, shape (R, N, N) unless noted; matrices indexed [from, to].
    In the engine these are views of run-last memory (see runs_first)."""
    alignment: np.ndarray     # i's stance toward j
    threat: np.ndarray        # i's threat perception of j, [0, 1]
    expectation: np.ndarray   # support i expects from j when under full pressure, [0, 1]
    military: np.ndarray      # (R, N) capability
    sanctions: np.ndarray     # i's primary sanctions on j, [0, 1]
    secondary: np.ndarray     # i's secondary sanctions on j's partners, [0, 1]
    support: np.ndarray       # support i gave j this step, [0, 1]
    military_support: np.ndarray  # its military component, [0, 1]
    trade: np.ndarray         # delivered trade volume (US$ bn/yr), symmetric
    need: np.ndarray          # (R, N) pressure on each actor, [0, 1]


@dataclass(frozen=True)
class Static:
    """Per-run constants the rules read (built by params.compile); (R, ...) views of run-last
    memory once compiled (see runs_first)."""
    offdiag: np.ndarray       # (N, N) 1 off the diagonal
    similarity: np.ndarray    # (R, N, N)
    affinity: np.ndarray      # (R, N, N) the part of 2024 relations the mechanisms do not explain
    expectation0: np.ndarray  # (R, N, N)
    military0: np.ndarray     # (R, N)
    econ_share: np.ndarray    # (R, N) share of the modelled economy
    tolerance: np.ndarray     # (R, N) sanctions risk tolerance
    resolve: np.ndarray       # (R, N)
    reliability: np.ndarray   # (R, N)
    volume: np.ndarray        # (R, N, N) baseline trade demand
    trade_share: np.ndarray   # (R, N, N) volume / i's total baseline trade
    capacity: np.ndarray      # (R, C) corridor capacity
    network: corridor.Network
    chronic: np.ndarray       # (R, N) pressure already present at step 0 (not a call for help)
    w: np.ndarray             # (R, len(PARAMETERS)) dynamics parameters, in PARAMETERS order

    @cached_property
    def kernel(self) -> tuple:
        """The arrays in the order _step_runs takes them, runs last (no copy if already so)."""
        return tuple(runs_last(getattr(self, k)) for k in _STATIC_ARGS)




W = {name: k for k, name in enumerate(PARAMETERS)}   # row of each parameter in the run-last w
(INERTIA, NOISE, W_INTEREST, W_SHARED, W_HOSTILITY, W_BALANCE, W_ECONOMIC, W_TRUST, W_SANCTIONS,
 RECIPROCITY, DIPLOMACY, THREAT_MEMORY, EXPECT_LEARN, DAMAGE, ARMS_GAIN, ARMS_ALARM, SANCTION_THETA,
 JOIN, REACH, EVASION, MILITARY_THETA) = range(len(PARAMETERS))
_STATIC_ARGS = ("similarity", "affinity", "expectation0", "military0", "econ_share", "tolerance", "resolve",
                "reliability", "volume", "trade_share", "capacity", "chronic", "w")
_JIT = dict(cache=True, nogil=True, error_model="numpy")   # IEEE division: no Python zero-division branch in the loops
_U = np.uint64   # run indices as uint64: numba then drops the negative-index check and the loop vectorizes


_LAST = {d: (*range(1, d), 0) for d in range(1, 6)}         # transpose axes; np.moveaxis costs
_FIRST = {d: (d - 1, *range(d - 1)) for d in range(1, 6)}    # ten times more, called ~40 times a month


def runs_last(x: np.ndarray) -> np.ndarray:
    """(R, ...) -> C-contiguous (..., R); free when x is already a runs_first view."""
    y = x.transpose(_LAST[x.ndim])
    return y if y.flags.c_contiguous else np.ascontiguousarray(y)


def runs_first(x: np.ndarray) -> np.ndarray:
    """(..., R) run-last memory seen as (R, ...), without copying."""
    return x.transpose(_FIRST[x.ndim])


def block_size(n: int) -> int:
    """Runs per block. Measured (benchmarks/README.md): for 5 to 40 actors the time per run-step
    falls as blocks grow to 256 runs (longer vector loops, fewer loop entries; the hardware
    prefetcher streams the run-last arrays well even when a block outgrows the L2 cache) and is
    flat beyond, so one size serves every actor count."""
    return 256


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
    (corridor.usable, corridor.allocate)."""
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
    corridor.usable(capacity, closure, choke_of, opens, step, r0, r1, left)
    for p in range(n_pairs):
        for r in range(_U(r0), _U(r1)):
            wanted[p, r] = out[pair_i[p], pair_j[p], r]
            remaining[p, r] = wanted[p, r]
    for c in range(used.shape[0]):
        for r in range(_U(r0), _U(r1)):
            used[c, r] = 0.0
    corridor.allocate(pref, r0, r1, left, remaining, asked, frac, used)
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
def _month(a, t, x, mil, s_prev, similarity, affinity, x0, mil0, econ_share, tolerance, resolve,
           reliability, volume, share, capacity, chronic, w, conflict, sanction, secondary, relief,
           arms, diplomacy, closure, eps, step, choke_of, opens, pair_i, pair_j, pref, r0, r1,
           exposure, dep, gap, drv, press, acc, left, asked, frac, used, remaining, wanted,
           a_out, t_out, x_out, mil_out, prim, sec, support, mil_support, trade, need):
    """One month for runs r0..r1-1: the submodels in order (scratch arrays as allocated by
    _scratch)."""
    n = a.shape[0]
    _threat(a, t, mil, conflict, arms, w, r0, r1, acc[0], t_out)
    _military(mil, mil0, conflict, arms, w, r0, r1, acc[0], acc[1], mil_out)
    _sanctions(a, s_prev, share, resolve, sanction, secondary, relief, w, r0, r1, acc[0], prim, sec)
    _pressure(conflict, prim, econ_share, r0, r1, press)
    for i in range(n):
        for r in range(_U(r0), _U(r1)):
            need[i, r] = _clip(press[i, r] - chronic[i, r], 0.0, 1.0)
    _trade(a, prim, sec, press, share, tolerance, volume, w, capacity, closure, choke_of, opens, step,
           pair_i, pair_j, pref, r0, r1, exposure, trade, left, asked, frac, used, remaining, wanted)
    _dependence(trade, volume, r0, r1, acc[0], dep)
    _support(a, need, dep, exposure, reliability, tolerance, resolve, arms, w, r0, r1, support, mil_support)
    _expectation(x, support, need, diplomacy, w, r0, r1, gap, x_out)
    _drive(a, t_out, x_out, prim, sec, dep, similarity, x0, share, w, r0, r1, acc[0], acc[1], acc[2],
           acc[3], drv)
    _update(a, drv, affinity, gap, diplomacy, eps, w, r0, r1, a_out)


@njit(**_JIT)
def _scratch(n, n_c, n_p, r_n):
    """exposure, dep, gap, drv, press, acc, left, asked, frac, used, remaining, wanted."""
    return (np.empty((n, n, r_n)), np.empty((n, n, r_n)), np.empty((n, n, r_n)), np.empty((n, n, r_n)),
            np.empty((n, r_n)), np.empty((4, r_n)), np.empty((n_c, r_n)), np.empty((n_c, r_n)),
            np.empty((n_c, r_n)), np.empty((n_c, r_n)), np.empty((n_p, r_n)), np.empty((n_p, r_n)))


@njit(**_JIT)
def _step_runs(a, t, x, mil, s_prev, similarity, affinity, x0, mil0, econ_share, tolerance, resolve,
               reliability, volume, share, capacity, chronic, w, conflict, sanction, secondary, relief,
               arms, diplomacy, closure, eps, step, choke_of, opens, pair_i, pair_j, pref, block,
               a_out, t_out, x_out, mil_out, prim, sec, support, mil_support, trade, need):
    """One month for every run, one block of runs at a time."""
    r_n = a.shape[2]
    exposure, dep, gap, drv, press, acc, left, asked, frac, used, remaining, wanted = _scratch(
        a.shape[0], capacity.shape[0], pair_i.shape[0], r_n)
    for r0 in range(0, r_n, block):
        r1 = min(r0 + block, r_n)
        _month(a, t, x, mil, s_prev, similarity, affinity, x0, mil0, econ_share, tolerance, resolve,
               reliability, volume, share, capacity, chronic, w, conflict, sanction, secondary, relief,
               arms, diplomacy, closure, eps, step, choke_of, opens, pair_i, pair_j, pref, r0, r1,
               exposure, dep, gap, drv, press, acc, left, asked, frac, used, remaining, wanted,
               a_out, t_out, x_out, mil_out, prim, sec, support, mil_support, trade, need)


@njit(**_JIT)
def _record(x, r0, r1, t, out):
    """out[r, t, m] = x[m, r] for runs r0..r1-1 (a run-last state into run-major float32
    records); nothing if out is empty (that variable is not recorded)."""
    if out.shape[0] == 0:
        return
    for r in range(r0, r1):
        for m in range(x.shape[0]):
            out[r, t, m] = x[m, r]


@njit(**_JIT)
def _record_state(s, r0, r1, t, rec):
    r_n = s[0].shape[2]
    _record(s[0].reshape(-1, r_n), r0, r1, t, rec[0])
    _record(s[1].reshape(-1, r_n), r0, r1, t, rec[1])
    _record(s[2].reshape(-1, r_n), r0, r1, t, rec[2])
    _record(s[3], r0, r1, t, rec[3])
    _record(s[4].reshape(-1, r_n), r0, r1, t, rec[4])
    _record(s[5].reshape(-1, r_n), r0, r1, t, rec[5])
    _record(s[6].reshape(-1, r_n), r0, r1, t, rec[6])
    _record(s[7].reshape(-1, r_n), r0, r1, t, rec[7])
    _record(s[8].reshape(-1, r_n), r0, r1, t, rec[8])
    _record(s[9], r0, r1, t, rec[9])


@njit(**_JIT)
def _state_memory(n, r_n):
    """Run-last memory for one state, in STATE_ORDER (military and need are vectors)."""
    return (np.empty((n, n, r_n)), np.empty((n, n, r_n)), np.empty((n, n, r_n)), np.empty((n, r_n)),
            np.empty((n, n, r_n)), np.empty((n, n, r_n)), np.empty((n, n, r_n)), np.empty((n, n, r_n)),
            np.empty((n, n, r_n)), np.empty((n, r_n)))


@njit(**_JIT)
def _simulate_runs(s0, similarity, affinity, x0, mil0, econ_share, tolerance, resolve, reliability, volume,
                   share, capacity, chronic, w, f_idx, f_val, noise_keys, n_steps, choke_of, opens, pair_i,
                   pair_j, pref, block, rec):
    """Every month of every run: each block of runs is taken through all the steps before the
    next, so its state stays in cache (a month over a whole chunk streams ~10 MB).

    s0: the step-0 state as a tuple (a, t, x, mil, prim, sec, support, mil_support, trade, need),
    run-last. f_idx (K, 3) names the forcing entries some shock touches (channel 0-5 a matrix
    [i, j] of conflict, sanction, secondary, relief, arms, diplomacy; 6 a closure [i]); f_val
    (T+1, K, R) their values. rec: float32 (R, T+1, M) records per state variable in s0's order,
    M = N*N or N; an empty array for a variable not recorded. Month t is exactly _step_runs."""
    n, r_n = s0[0].shape[0], s0[0].shape[2]
    n_c, n_p, n_q = capacity.shape[0], pair_i.shape[0], choke_of.shape[1]
    sa, sb = _state_memory(n, r_n), _state_memory(n, r_n)   # months alternate between the two
    forcing = np.zeros((6, n, n, r_n))
    closure = np.zeros((n_q, r_n))
    eps = np.empty((n, n, r_n))
    u1, u2 = np.empty(r_n), np.empty(r_n)
    exposure, dep, gap, drv, press, acc, left, asked, frac, used, remaining, wanted = _scratch(n, n_c, n_p, r_n)
    for r0 in range(0, r_n, block):
        r1 = min(r0 + block, r_n)
        _record_state(s0, r0, r1, 0, rec)
        for t in range(1, n_steps + 1):
            for k in range(f_idx.shape[0]):
                c, i, j = f_idx[k, 0], f_idx[k, 1], f_idx[k, 2]
                for r in range(_U(r0), _U(r1)):
                    if c < 6:
                        forcing[c, i, j, r] = f_val[t, k, r]
                    else:
                        closure[i, r] = f_val[t, k, r]
            rng.normal_block(noise_keys, t, r0, r1, u1, u2, eps)
            src = s0 if t == 1 else (sa if t % 2 == 0 else sb)
            dst = sa if t % 2 == 1 else sb
            _month(src[0], src[1], src[2], src[3], src[4], similarity, affinity, x0, mil0, econ_share, tolerance,
                   resolve, reliability, volume, share, capacity, chronic, w, forcing[0], forcing[1], forcing[2],
                   forcing[3], forcing[4], forcing[5], closure, eps, t, choke_of, opens, pair_i, pair_j, pref,
                   r0, r1, exposure, dep, gap, drv, press, acc, left, asked, frac, used, remaining, wanted,
                   dst[0], dst[1], dst[2], dst[3], dst[4], dst[5], dst[6], dst[7], dst[8], dst[9])
            _record_state(dst, r0, r1, t, rec)


@njit(**_JIT)
def _initial_runs(a, mil, share, resolve, econ_share, tolerance, volume, w, capacity, choke_of, opens,
                  pair_i, pair_j, pref, block, t_out, prim, sec, chronic, trade):
    """Step 0: threats at their standing level; sanctions at the fixed point of the actors' own
    decisions (joining a friend's sanctions depends on the friend's own; the map is monotone and
    bounded, so it converges; 200 is a guard; iterating a run already at its fixed point leaves
    it there, so a block iterates until its last run settles); the pressure this leaves is
    chronic, not a call for help; trade routed with nothing closed."""
    n, r_n = a.shape[0], a.shape[2]
    zero = np.zeros((n, n, r_n))
    n_c, n_p = capacity.shape[0], pair_i.shape[0]
    exposure, nxt, nsec = np.empty((n, n, r_n)), np.empty((n, n, r_n)), np.empty((n, n, r_n))
    press = np.empty((n, r_n))
    acc = np.empty(r_n)
    left, asked, frac, used = (np.empty((n_c, r_n)), np.empty((n_c, r_n)), np.empty((n_c, r_n)),
                               np.empty((n_c, r_n)))
    remaining, wanted = np.empty((n_p, r_n)), np.empty((n_p, r_n))
    no_closure = np.zeros((choke_of.shape[1], r_n))
    for r0 in range(0, r_n, block):
        r1 = min(r0 + block, r_n)
        for i in range(n):
            for j in range(n):
                for r in range(_U(r0), _U(r1)):
                    t_out[i, j, r] = 0.0 if i == j else _standing_threat(a, mil, i, j, r)
                    prim[i, j, r] = 0.0
        for _ in range(200):
            _sanctions(a, prim, share, resolve, zero, zero, zero, w, r0, r1, acc, nxt, nsec)
            same = True
            for i in range(n):
                for j in range(n):
                    for r in range(_U(r0), _U(r1)):
                        same &= nxt[i, j, r] == prim[i, j, r]
                        prim[i, j, r] = nxt[i, j, r]
                        sec[i, j, r] = nsec[i, j, r]
            if same:
                break
        _pressure(zero, prim, econ_share, r0, r1, press)
        for i in range(n):
            for r in range(_U(r0), _U(r1)):
                chronic[i, r] = press[i, r]
        _trade(a, prim, sec, press, share, tolerance, volume, w, capacity, no_closure, choke_of, opens, 0,
               pair_i, pair_j, pref, r0, r1, exposure, trade, left, asked, frac, used, remaining, wanted)


@njit(**_JIT)
def _drive_runs(a, threat, expectation, prim, sec, trade, volume, similarity, expectation0, share, w, out):
    n, r_n = a.shape[0], a.shape[2]
    dep = np.empty((n, n, r_n))
    acc = np.empty((4, r_n))
    _dependence(trade, volume, 0, r_n, acc[0], dep)
    _drive(a, threat, expectation, prim, sec, dep, similarity, expectation0, share, w, 0, r_n,
           acc[0], acc[1], acc[2], acc[3], out)


class Buffers:
    """Run-last memory for one state."""

    def __init__(self, runs: int, n: int):
        self.matrices = [np.empty((n, n, runs)) for _ in range(8)]   # a, t, x, prim, sec, support, mil_support, trade
        self.vectors = [np.empty((n, runs)) for _ in range(2)]       # mil, need

    def state(self) -> State:
        a, t, x, prim, sec, support, mil_support, trade = map(runs_first, self.matrices)
        mil, need = map(runs_first, self.vectors)
        return State(a, t, x, mil, prim, sec, support, mil_support, trade, need)


STATE_ORDER = ("alignment", "threat", "expectation", "military", "sanctions", "secondary", "support",
               "military_support", "trade", "need")


def simulate_runs(s0: State, k: Static, f_idx: np.ndarray, f_val: np.ndarray, noise_keys: np.ndarray,
                  steps: int, record: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Every month of every run in one compiled call; returns float32 (R, T+1, ...) records of
    the `record`ed State fields. The same months as calling `step` T times (tested bit for bit)."""
    runs, n = s0.alignment.shape[0], s0.alignment.shape[1]
    rec = {}
    for name in STATE_ORDER:
        shape = (runs, steps + 1, n * n if name not in ("military", "need") else n)
        rec[name] = np.empty(shape if name in record else (0, 0, 0), dtype=np.float32)
    net = k.network
    _simulate_runs(tuple(runs_last(getattr(s0, name)) for name in STATE_ORDER), *k.kernel, f_idx, f_val,
                   noise_keys, steps, net.choke_of, net.opens, net.pair_i, net.pair_j, net.pref,
                   block_size(n), tuple(rec.values()))
    return {name: rec[name] if name in ("military", "need") else rec[name].reshape(runs, steps + 1, n, n)
            for name in record}


def step(s: State, k: Static, f, step_index: int, eps: np.ndarray) -> State:
    """One month for all runs, in new memory. eps: (R, N, N) standard normal noise for this step
    (views of run-last memory, as Compiled.forcing and Compiled.noise give, are not copied)."""
    out = Buffers(s.alignment.shape[0], s.alignment.shape[1])
    a, t, x, prim, sec, support, mil_support, trade = out.matrices
    mil, need = out.vectors
    net = k.network
    _step_runs(runs_last(s.alignment), runs_last(s.threat), runs_last(s.expectation), runs_last(s.military),
               runs_last(s.sanctions), *k.kernel, *map(runs_last, (f.conflict, f.sanction, f.secondary, f.relief,
                                                                   f.arms, f.diplomacy, f.closure)),
               runs_last(eps), step_index, net.choke_of, net.opens, net.pair_i, net.pair_j, net.pref,
               block_size(a.shape[0]), a, t, x, mil, prim, sec, support, mil_support, trade, need)
    return out.state()


def initial_state(k: Static, a0: np.ndarray) -> tuple[State, np.ndarray]:
    """Step-0 state and the chronic pressure (what each actor already lives with)."""
    runs, n = a0.shape[0], a0.shape[1]
    b = Buffers(runs, n)
    a, t0, x, prim, sec, support, mil_support, trade = b.matrices
    mil, need = b.vectors
    chronic = np.empty((n, runs))
    net = k.network
    a[...] = runs_last(a0)
    _initial_runs(a, runs_last(k.military0), runs_last(k.trade_share), runs_last(k.resolve),
                  runs_last(k.econ_share), runs_last(k.tolerance), runs_last(k.volume), runs_last(k.w),
                  runs_last(k.capacity), net.choke_of, net.opens, net.pair_i, net.pair_j, net.pref,
                  block_size(n), t0, prim, sec, chronic, trade)
    x[...] = runs_last(k.expectation0)
    mil[...] = runs_last(k.military0)
    for z in (support, mil_support, need):
        z[...] = 0.0
    return b.state(), runs_first(chronic)


def initial_drive(s: State, k: Static) -> np.ndarray:
    """The mechanism drive at a state (used to calibrate the affinity at step 0): (R, N, N)."""
    n, runs = s.alignment.shape[1], s.alignment.shape[0]
    out = np.empty((n, n, runs))
    _drive_runs(*map(runs_last, (s.alignment, s.threat, s.expectation, s.sanctions, s.secondary, s.trade,
                                 k.volume, k.similarity, k.expectation0, k.trade_share, k.w)), out)
    return runs_first(out)
