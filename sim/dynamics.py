"""The rules of the model, written once, over a leading run axis.

`step` advances R runs by one month. The Mesa model calls it with R = 1; the ensemble
calls it with thousands. Equations are in docs/MODEL.md, section Details, in this order.

Each submodel is a small function of one run's arrays, compiled with numba; `_step_runs`
loops over the runs and calls them in order. Why compiled loops rather than numpy over the
run axis: with 5-40 actors each numpy operation touches a few hundred kB, so a step was a few
hundred passes over memory plus Python overhead; one fused pass per run is several times
faster, and every run is still computed by exactly the same code whatever the batch.
IEEE semantics are kept (no fastmath), so results do not depend on the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from . import corridor

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
    """Everything that changes, shape (R, N, N) unless noted; matrices indexed [from, to]."""
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
    """Per-run constants the rules read (built by params.compile)."""
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



W = {name: k for k, name in enumerate(PARAMETERS)}   # column of each parameter in Static.w
(INERTIA, NOISE, W_INTEREST, W_SHARED, W_HOSTILITY, W_BALANCE, W_ECONOMIC, W_TRUST, W_SANCTIONS,
 RECIPROCITY, DIPLOMACY, THREAT_MEMORY, EXPECT_LEARN, DAMAGE, ARMS_GAIN, ARMS_ALARM, SANCTION_THETA,
 JOIN, REACH, EVASION, MILITARY_THETA) = range(len(PARAMETERS))
_JIT = dict(cache=True, nogil=True)


@njit(**_JIT)
def _clip(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


# Every kernel takes whole (R, ...) arrays and a run index r, and indexes x[r, i, j]: taking
# a view x[r] per call costs more than the arithmetic on a 5 x 5 matrix.

@njit(**_JIT)
def _standing_threat(a, mil, r, i, j):
    """T1*: j's hostility toward i times j's share of the pair's military power."""
    return max(-a[r, j, i], 0.0) * mil[r, j] / max(mil[r, i] + mil[r, j], 1e-12)


@njit(**_JIT)
def _threat(a, t, mil, conflict, arms, w, r, out):
    """T1: T <- clip(m T + (1 - m) T* + attacks received + 0.5 attacks made + alarm, 0, 1)."""
    n = a.shape[1]
    m = w[r, THREAT_MEMORY]
    for i in range(n):
        for j in range(n):
            if i == j:
                out[r, i, j] = 0.0
                continue
            alarm = 0.0   # j arming my enemies
            for q in range(n):
                alarm += max(-a[r, i, q], 0.0) * arms[r, j, q]
            x = (m * t[r, i, j] + (1.0 - m) * _standing_threat(a, mil, r, i, j) + conflict[r, j, i]
                 + 0.5 * conflict[r, i, j] + w[r, ARMS_ALARM] * alarm)
            out[r, i, j] = _clip(x, 0.0, 1.0)


@njit(**_JIT)
def _military(mil, mil0, conflict, arms, w, r, out):
    """M1: attacks erode capability, arms received restore it, within [5%, 300%] of initial."""
    n = mil.shape[1]
    for i in range(n):
        hit = 0.0
        got = 0.0
        for j in range(n):
            hit += conflict[r, j, i]
            got += arms[r, j, i]
        x = mil[r, i] * (1.0 - w[r, DAMAGE] * min(hit, 1.0)) + w[r, ARMS_GAIN] * got * mil0[r, i]
        out[r, i] = _clip(x, 0.05 * mil0[r, i], 3.0 * mil0[r, i])


@njit(**_JIT)
def _sanctions(a, s_prev, share, resolve, sanction, secondary, relief, w, r, prim, sec):
    """S1/S2: impose on the strongly hostile (damped by the trade at stake), join friends'
    sanctions on one's rivals, add sanction shocks net of relief; secondary from shocks only."""
    n = a.shape[1]
    theta = w[r, SANCTION_THETA]
    for i in range(n):
        for j in range(n):
            if i == j:
                prim[r, i, j] = 0.0
                sec[r, i, j] = 0.0
                continue
            hostile = max(-a[r, i, j], 0.0)
            impose = resolve[r, i] * _clip((hostile - theta) / (1.0 - theta), 0.0, 1.0) * (1.0 - 0.5 * share[r, i, j])
            join = 0.0
            if hostile > 0.0:   # joining needs a rival; most pairs are friendly
                for q in range(n):
                    join += max(a[r, i, q], 0.0) * s_prev[r, q, j]
            lifted = _clip(sanction[r, i, j] - relief[r, i, j], 0.0, 1.0)
            prim[r, i, j] = _clip(impose + w[r, JOIN] * join * hostile + lifted, 0.0, 1.0)
            sec[r, i, j] = _clip(secondary[r, i, j] - relief[r, i, j], 0.0, 1.0)


@njit(**_JIT)
def _pressure(conflict, prim, econ_share, r, out):
    """N1 (before the chronic part is taken off): attacks plus sanctions by economic weight."""
    n = prim.shape[1]
    for j in range(n):
        p = 0.0
        for i in range(n):
            p += conflict[r, i, j] + prim[r, i, j] * econ_share[r, i]
        out[j] = p


@njit(**_JIT)
def _trade(a, prim, sec, pressure, share, tolerance, volume, w, capacity, closure, choke_of, opens,
           step, pair_i, pair_j, pref, r, exposure, out, left, asked, frac, used, remaining, wanted):
    """R1-R3: demand after sanctions, secondary-sanction cuts and evasion; then routed
    (corridor.usable, corridor.allocate)."""
    n = a.shape[1]
    reach = w[r, REACH]
    for i in range(n):
        for j in range(n):
            e = 0.0   # i's exposure to secondary sanctions for trading with j
            for s in range(n):
                e += share[r, i, s] * sec[r, s, j]
            exposure[i, j] = e
    for i in range(n):
        out[r, i, i] = 0.0
        for j in range(i + 1, n):
            cut = max(_clip(reach * exposure[i, j] * (1.0 - tolerance[r, i]), 0.0, 1.0),
                      _clip(reach * exposure[j, i] * (1.0 - tolerance[r, j]), 0.0, 1.0))
            blocked = max(prim[r, i, j], prim[r, j, i])
            # a sanctioned actor sells to tolerant friends, under chronic or acute pressure
            lure = (_clip(pressure[i], 0.0, 1.0) * tolerance[r, j] * max(a[r, j, i], 0.0)
                    + _clip(pressure[j], 0.0, 1.0) * tolerance[r, i] * max(a[r, i, j], 0.0))
            factor = (1.0 - blocked) * (1.0 - cut) * (1.0 + w[r, EVASION] * lure)
            if blocked > 0.0:   # never more trade with a partner that itself sanctions
                factor = min(factor, 1.0)
            out[r, i, j] = volume[r, i, j] * factor
            out[r, j, i] = volume[r, j, i] * factor
    n_pairs = pair_i.shape[0]
    if n_pairs == 0:
        return
    corridor.usable(capacity, closure, choke_of, opens, step, r, left)
    for p in range(n_pairs):
        wanted[p] = out[r, pair_i[p], pair_j[p]]
        remaining[p] = wanted[p]
    used[:] = 0.0
    corridor.allocate(pref, left, remaining, asked, frac, used)
    for p in range(n_pairs):
        d = wanted[p] - remaining[p]
        out[r, pair_i[p], pair_j[p]] = d
        out[r, pair_j[p], pair_i[p]] = d


@njit(**_JIT)
def _dependence(trade, volume, r, out):
    """R4: D[i, j] = delivered trade with j over i's total baseline trade, in [0, 1]."""
    n = trade.shape[1]
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += volume[r, i, j]
        for j in range(n):
            out[i, j] = _clip(trade[r, i, j] / max(total, 1e-12), 0.0, 1.0)


@njit(**_JIT)
def _support(a, need, dependence, exposure, reliability, tolerance, resolve, arms, w, r, total, military):
    """P1: backing for friends under pressure: diplomatic; economic (aid damped by the
    secondary-sanctions risk the giver will not tolerate, plus the lifeline of trade a non-hostile
    giver keeps open); military only above a resolve threshold. Arms shocks add."""
    n = a.shape[1]
    theta = w[r, MILITARY_THETA]
    reach = w[r, REACH]
    for i in range(n):
        mil_share = _clip((resolve[r, i] - theta) / (1.0 - theta), 0.0, 1.0)
        for j in range(n):
            if i == j:
                total[r, i, j] = 0.0
                military[r, i, j] = 0.0
                continue
            will = reliability[r, i] * max(a[r, i, j], 0.0) * need[r, j]
            aid = will * _clip(1.0 - reach * (1.0 - tolerance[r, i]) * exposure[i, j], 0.0, 1.0)
            lifeline = need[r, j] * dependence[j, i] if a[r, i, j] > 0.0 else 0.0
            economic = _clip(aid + lifeline, 0.0, 1.0)
            mil = will * mil_share
            total[r, i, j] = _clip(0.2 * will + 0.3 * economic + 0.5 * mil + arms[r, i, j], 0.0, 1.0)
            military[r, i, j] = mil


@njit(**_JIT)
def _expectation(x, support, need, diplomacy, w, r, gap, out):
    """E1: gap[i, j] = support received from j minus what i expected of j at its need; the
    expectation learns from the gap, and summits raise it."""
    n = x.shape[1]
    eta = w[r, EXPECT_LEARN]
    for i in range(n):
        for j in range(n):
            if i == j:
                gap[i, j] = 0.0
                out[r, i, j] = 0.0
                continue
            g = support[r, j, i] - x[r, i, j] * need[r, i]
            gap[i, j] = g
            out[r, i, j] = _clip(x[r, i, j] + eta * (g + diplomacy[r, i, j] * (1.0 - x[r, i, j])), 0.0, 1.0)


@njit(**_JIT)
def _drive(a, threat, expectation, prim, sec, dependence, similarity, expectation0, share, w, r, out):
    """A1-A2: the explained part of the target alignment's drive: interests, shared threats,
    hostility, structural balance, trade dependence, trust and sanctions."""
    n = a.shape[1]
    for i in range(n):
        t_total = 0.0
        for k in range(n):
            t_total += threat[r, i, k]
        for j in range(n):
            if i == j:
                out[i, j] = 0.0
                continue
            both = 0.0     # shared threat: share of i's threat that j shares
            bal = 0.0      # Heider: friend of a friend, enemy of an enemy
            third = 0.0    # j's secondary sanctions on i's partners
            for k in range(n):
                both += threat[r, i, k] * threat[r, j, k]
                bal += a[r, i, k] * a[r, k, j]
                third += share[r, i, k] * sec[r, j, k]
            shared = both / t_total if t_total > 1e-12 else 0.0
            pressure = prim[r, j, i] + 0.5 * prim[r, i, j] + third
            out[i, j] = (w[r, W_INTEREST] * similarity[r, i, j] + w[r, W_SHARED] * shared
                         - w[r, W_HOSTILITY] * threat[r, i, j] + w[r, W_BALANCE] * bal / max(n - 2, 1)
                         + w[r, W_ECONOMIC] * dependence[i, j]
                         + w[r, W_TRUST] * (expectation[r, i, j] - expectation0[r, i, j])
                         - w[r, W_SANCTIONS] * pressure)


@njit(**_JIT)
def _update(a, drive, affinity, gap, diplomacy, eps, w, r, out):
    """A4: move a share `inertia` toward tanh(affinity + drive), add event pulses and noise, clip.
    tanh keeps the target inside (-1, 1) however large the drive; the clip only catches pulses
    and noise at the edges."""
    n = a.shape[1]
    for i in range(n):
        for j in range(n):
            if i == j:
                out[r, i, j] = 0.0
                continue
            x = (a[r, i, j] + w[r, INERTIA] * (np.tanh(affinity[r, i, j] + drive[i, j]) - a[r, i, j])
                 + w[r, RECIPROCITY] * gap[i, j] + w[r, DIPLOMACY] * diplomacy[r, i, j] + w[r, NOISE] * eps[r, i, j])
            out[r, i, j] = _clip(x, -1.0, 1.0)


@njit(**_JIT)
def _step_runs(a, t, x, mil, s_prev, similarity, affinity, x0, mil0, econ_share, tolerance, resolve,
               reliability, volume, share, capacity, chronic, w, conflict, sanction, secondary, relief,
               arms, diplomacy, closure, eps, step, choke_of, opens, pair_i, pair_j, pref,
               a_out, t_out, x_out, mil_out, prim, sec, support, mil_support, trade, need):
    """One month for every run: the submodels in order, each on run r."""
    r_n, n = a.shape[0], a.shape[1]
    n_c, n_p = capacity.shape[1], pair_i.shape[0]
    exposure = np.empty((n, n))
    dep = np.empty((n, n))
    gap = np.empty((n, n))
    drv = np.empty((n, n))
    press = np.empty(n)
    left, asked, frac, used = np.empty(n_c), np.empty(n_c), np.empty(n_c), np.empty(n_c)
    remaining, wanted = np.empty(n_p), np.empty(n_p)
    for r in range(r_n):
        _threat(a, t, mil, conflict, arms, w, r, t_out)
        _military(mil, mil0, conflict, arms, w, r, mil_out)
        _sanctions(a, s_prev, share, resolve, sanction, secondary, relief, w, r, prim, sec)
        _pressure(conflict, prim, econ_share, r, press)
        for i in range(n):
            need[r, i] = _clip(press[i] - chronic[r, i], 0.0, 1.0)
        _trade(a, prim, sec, press, share, tolerance, volume, w, capacity, closure, choke_of, opens, step,
               pair_i, pair_j, pref, r, exposure, trade, left, asked, frac, used, remaining, wanted)
        _dependence(trade, volume, r, dep)
        _support(a, need, dep, exposure, reliability, tolerance, resolve, arms, w, r, support, mil_support)
        _expectation(x, support, need, diplomacy, w, r, gap, x_out)
        _drive(a, t_out, x_out, prim, sec, dep, similarity, x0, share, w, r, drv)
        _update(a, drv, affinity, gap, diplomacy, eps, w, r, a_out)


@njit(**_JIT)
def _initial_runs(a, mil, share, resolve, econ_share, tolerance, volume, w, capacity, choke_of, opens,
                  pair_i, pair_j, pref, t_out, prim, sec, chronic, trade):
    """Step 0: threats at their standing level; sanctions at the fixed point of the actors' own
    decisions (joining a friend's sanctions depends on the friend's own; the map is monotone and
    bounded, so it converges; 200 is a guard); the pressure this leaves is chronic, not a call for
    help; trade routed with nothing closed."""
    r_n, n = a.shape[0], a.shape[1]
    zero = np.zeros((r_n, n, n))
    n_c, n_p = capacity.shape[1], pair_i.shape[0]
    exposure = np.empty((n, n))
    nxt, nsec = np.empty((r_n, n, n)), np.empty((r_n, n, n))
    press = np.empty(n)
    left, asked, frac, used = np.empty(n_c), np.empty(n_c), np.empty(n_c), np.empty(n_c)
    remaining, wanted = np.empty(n_p), np.empty(n_p)
    no_closure = np.zeros((r_n, choke_of.shape[1]))
    for r in range(r_n):
        for i in range(n):
            for j in range(n):
                t_out[r, i, j] = 0.0 if i == j else _standing_threat(a, mil, r, i, j)
                prim[r, i, j] = 0.0
        for _ in range(200):
            _sanctions(a, prim, share, resolve, zero, zero, zero, w, r, nxt, nsec)
            same = True
            for i in range(n):
                for j in range(n):
                    if nxt[r, i, j] != prim[r, i, j]:
                        same = False
                    prim[r, i, j] = nxt[r, i, j]
                    sec[r, i, j] = nsec[r, i, j]
            if same:
                break
        _pressure(zero, prim, econ_share, r, press)
        for i in range(n):
            chronic[r, i] = press[i]
        _trade(a, prim, sec, press, share, tolerance, volume, w, capacity, no_closure, choke_of, opens, 0,
               pair_i, pair_j, pref, r, exposure, trade, left, asked, frac, used, remaining, wanted)


@njit(**_JIT)
def _drive_runs(a, threat, expectation, prim, sec, trade, volume, similarity, expectation0, share, w, out):
    n = a.shape[1]
    dep = np.empty((n, n))
    drv = np.empty((n, n))
    for r in range(a.shape[0]):
        _dependence(trade, volume, r, dep)
        _drive(a, threat, expectation, prim, sec, dep, similarity, expectation0, share, w, r, drv)
        for i in range(n):
            for j in range(n):
                out[r, i, j] = drv[i, j]


def step(s: State, k: Static, f, step_index: int, eps: np.ndarray) -> State:
    """One month for all runs. eps: (R, N, N) standard normal noise for this step."""
    shape = s.alignment.shape
    new = [np.empty(shape) for _ in range(3)]
    mil = np.empty(s.military.shape)
    out = [np.empty(shape) for _ in range(5)]
    need = np.empty(s.military.shape)
    net = k.network
    _step_runs(s.alignment, s.threat, s.expectation, s.military, s.sanctions, k.similarity, k.affinity,
               k.expectation0, k.military0, k.econ_share, k.tolerance, k.resolve, k.reliability, k.volume,
               k.trade_share, k.capacity, k.chronic, k.w, f.conflict, f.sanction, f.secondary, f.relief,
               f.arms, f.diplomacy, f.closure, eps, step_index, net.choke_of, net.opens, net.pair_i,
               net.pair_j, net.pref, new[0], new[1], new[2], mil, *out, need)
    prim, sec, support, mil_support, trade = out
    return State(new[0], new[1], new[2], mil, prim, sec, support, mil_support, trade, need)


def initial_state(k: Static, a0: np.ndarray) -> tuple[State, np.ndarray]:
    """Step-0 state and the chronic pressure (what each actor already lives with)."""
    shape = a0.shape
    t0, prim, sec, trade = (np.empty(shape) for _ in range(4))
    chronic = np.empty(k.military0.shape)
    net = k.network
    _initial_runs(a0, k.military0, k.trade_share, k.resolve, k.econ_share, k.tolerance, k.volume, k.w,
                  k.capacity, net.choke_of, net.opens, net.pair_i, net.pair_j, net.pref, t0, prim, sec,
                  chronic, trade)
    z = np.zeros(shape)
    s = State(a0.copy(), t0, k.expectation0.copy(), k.military0.copy(), prim, sec, z, z.copy(), trade,
              np.zeros(k.military0.shape))
    return s, chronic


def initial_drive(s: State, k: Static) -> np.ndarray:
    """The mechanism drive at a state (used to calibrate the affinity at step 0)."""
    out = np.empty(s.alignment.shape)
    _drive_runs(s.alignment, s.threat, s.expectation, s.sanctions, s.secondary, s.trade, k.volume,
                k.similarity, k.expectation0, k.trade_share, k.w, out)
    return out
