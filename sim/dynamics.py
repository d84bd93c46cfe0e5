"""The rules of the model, written once, as array functions with a leading run axis.

`step` advances R runs by one month. The Mesa model calls it with R = 1; the ensemble
calls it with thousands. Equations are in docs/MODEL.md, section Details, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import alignment, corridor

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
    w: dict                   # dynamics parameter -> (R, 1, 1)


def _col(x):
    """(R, N) -> (R, N, 1): a property of the row actor i."""
    return x[:, :, None]


def _row(x):
    """(R, N) -> (R, 1, N): a property of the column actor j."""
    return x[:, None, :]


def standing_threat(a: np.ndarray, mil: np.ndarray) -> np.ndarray:
    """T*_ij = j's hostility toward i times j's share of the pair's military power."""
    hostile_to_me = np.maximum(-np.swapaxes(a, 1, 2), 0.0)                 # [i, j] = max(-A_ji, 0)
    power = _row(mil) / np.maximum(_col(mil) + _row(mil), 1e-12)           # [i, j] = m_j / (m_i + m_j)
    return hostile_to_me * power


def threat_step(s: State, k: Static, f) -> np.ndarray:
    """T <- clip(m T + (1 - m) T* + attacks + alarm, 0, 1)."""
    w = k.w
    target = standing_threat(s.alignment, s.military)
    attacked = np.swapaxes(f.conflict, 1, 2)                                # [i, j] = j attacks i
    # arming my enemy: alarm[k, s] = sum_r max(-A_kr, 0) * arms[s, r]
    alarm = np.maximum(-s.alignment, 0.0) @ np.swapaxes(f.arms, 1, 2)
    m = w["threat_memory"]
    t = m * s.threat + (1 - m) * target + attacked + 0.5 * f.conflict + w["arms_alarm"] * alarm
    return np.clip(t, 0.0, 1.0) * k.offdiag


def military_step(s: State, k: Static, f) -> np.ndarray:
    """Attacks erode capability; arms received restore it (bounded to [5%, 300%] of initial)."""
    hit = f.conflict.sum(axis=1)                                            # (R, N) attacks received
    got = f.arms.sum(axis=1)
    w = k.w
    mil = s.military * (1 - w["conflict_damage"][:, :, 0] * np.minimum(hit, 1.0)) \
        + w["arms_gain"][:, :, 0] * got * k.military0
    return np.clip(mil, 0.05 * k.military0, 3.0 * k.military0)


def sanctions_step(s: State, k: Static, f) -> tuple[np.ndarray, np.ndarray]:
    """Impose on the strongly hostile, join friends' sanctions on rivals, add shocks, net of relief."""
    w = k.w
    theta = w["sanction_threshold"]
    hostile = np.maximum(-s.alignment, 0.0)
    # sanctioning a big trading partner costs the sender too, so trade damps the urge
    impose = _col(k.resolve) * np.clip((hostile - theta) / (1 - theta), 0.0, 1.0) * (1 - 0.5 * k.trade_share)
    join = (np.maximum(s.alignment, 0.0) @ s.sanctions) * hostile             # [k, j] = sum_i A+_ki S_ij, times k's hostility to j
    # relief lifts imposed (shock) sanctions; the hostility-driven ones stay while hostility does
    lifted = np.clip(f.sanction - f.relief, 0.0, 1.0)
    prim = np.clip(impose + w["join_sanctions"] * join + lifted, 0.0, 1.0) * k.offdiag
    sec = np.clip(f.secondary - f.relief, 0.0, 1.0) * k.offdiag
    return prim, sec


def pressure_on(k: Static, f, sanctions: np.ndarray) -> np.ndarray:
    """Attacks received plus sanctions weighted by the sender's share of the economy: (R, N)."""
    attacked = f.conflict.sum(axis=1)
    sanctioned = (sanctions * _col(k.econ_share)).sum(axis=1)
    return attacked + sanctioned


def need_of(k: Static, f, sanctions: np.ndarray) -> np.ndarray:
    """Acute pressure, beyond what the actor already lived with at step 0: this, not the
    chronic level, is what partners are expected to answer."""
    return np.clip(pressure_on(k, f, sanctions) - k.chronic, 0.0, 1.0)


def trade_step(s: State, k: Static, f, prim, sec, need, step: int) -> np.ndarray:
    """Demand after sanctions, secondary-sanction cuts and evasion, then routed through corridors."""
    w = k.w
    exposure = k.trade_share @ sec                          # [i, j] = sum_s share_is * S2_sj
    cut = np.clip(w["secondary_reach"] * exposure * (1 - _col(k.tolerance)), 0.0, 1.0)
    cut = np.maximum(cut, np.swapaxes(cut, 1, 2))
    blocked = np.maximum(prim, np.swapaxes(prim, 1, 2))
    friendly = np.maximum(s.alignment, 0.0)
    # a sanctioned actor sells to tolerant friends under any pressure, chronic or acute
    pressed = np.clip(pressure_on(k, f, prim), 0.0, 1.0)
    lure = _col(pressed) * _row(k.tolerance) * np.swapaxes(friendly, 1, 2)   # sanctioned i, tolerant friend j
    factor = (1 - blocked) * (1 - cut) * (1 + w["evasion"] * (lure + np.swapaxes(lure, 1, 2)))
    # evasion grows trade with tolerant friends, never with a partner that itself sanctions
    demand = k.volume * np.where(blocked > 0, np.minimum(factor, 1.0), factor)
    net = k.network
    if net.pair_i.size == 0:
        return demand
    cap = k.capacity * corridor.availability(net, f.closure, step)
    delivered, _ = corridor.route(net, demand[:, net.pair_i, net.pair_j], cap)
    demand[:, net.pair_i, net.pair_j] = delivered
    demand[:, net.pair_j, net.pair_i] = delivered
    return demand


def dependence_of(k: Static, trade: np.ndarray) -> np.ndarray:
    """D[i, j] = delivered trade with j over i's total baseline trade, in [0, 1]."""
    return np.clip(trade / np.maximum(k.volume.sum(axis=2, keepdims=True), 1e-12), 0.0, 1.0)


def support_step(s: State, k: Static, f, sec, need, dependence) -> tuple[np.ndarray, np.ndarray]:
    """Each actor backs friends under pressure: diplomatic, economic (aid damped by the
    secondary-sanctions risk it will not tolerate, plus the lifeline of trade it keeps open to a
    partner under pressure) and military (only above a resolve threshold). Arms shocks add."""
    w = k.w
    will = _col(k.reliability) * np.maximum(s.alignment, 0.0) * _row(need)
    risk = k.trade_share @ sec
    aid = will * np.clip(1 - w["secondary_reach"] * (1 - _col(k.tolerance)) * risk, 0.0, 1.0)
    # [i, j] = need_j * D_ji, from a partner that is not hostile (an attacker's trade is no help)
    lifeline = _row(need) * np.swapaxes(dependence, 1, 2) * (s.alignment > 0)
    economic = np.clip(aid + lifeline, 0.0, 1.0)
    theta = w["military_support_threshold"]
    military = will * np.clip((_col(k.resolve) - theta) / (1 - theta), 0.0, 1.0)
    total = np.clip(0.2 * will + 0.3 * economic + 0.5 * military + f.arms, 0.0, 1.0) * k.offdiag
    return total, military * k.offdiag


def mechanism_drive(k: Static, a, threat, expectation, prim, sec, dependence) -> np.ndarray:
    """The explained part of the target alignment's drive: interests, threats, balance,
    economic ties, trust and sanctions (docs/MODEL.md, equation A2)."""
    w = k.w
    # sanctioned by j, sanctioning j, and j's secondary sanctions on i's own partners
    pressure = np.swapaxes(prim, 1, 2) + 0.5 * prim + k.trade_share @ np.swapaxes(sec, 1, 2)
    return (w["w_interest"] * k.similarity
            + w["w_shared_threat"] * alignment.shared_threat(threat)
            - w["w_hostility"] * threat + w["w_balance"] * alignment.balance_pressure(a)
            + w["w_economic"] * dependence + w["w_trust"] * (expectation - k.expectation0)
            - w["w_sanctions"] * pressure)


def step(s: State, k: Static, f, step_index: int, eps: np.ndarray) -> State:
    """One month for all runs. eps: (R, N, N) standard normal noise for this step."""
    w = k.w
    threat = threat_step(s, k, f)
    military = military_step(s, k, f)
    prim, sec = sanctions_step(s, k, f)
    need = need_of(k, f, prim)
    trade = trade_step(s, k, f, prim, sec, need, step_index)
    dependence = dependence_of(k, trade)
    support, mil_support = support_step(s, k, f, sec, need, dependence)

    # expected versus received support, from the receiver's side: gap[j, i]
    received = np.swapaxes(support, 1, 2)
    gap = (received - s.expectation * _col(need)) * k.offdiag
    expectation = np.clip(s.expectation + w["expectation_learning"] * (gap + f.diplomacy * (1 - s.expectation)),
                          0.0, 1.0) * k.offdiag

    drive = k.affinity + mechanism_drive(k, s.alignment, threat, expectation, prim, sec, dependence)
    pulse = w["reciprocity"] * gap + w["diplomacy"] * f.diplomacy
    a = alignment.update(s.alignment, drive, pulse, w["noise"] * eps, w["inertia"]) * k.offdiag
    return State(a, threat, expectation, military, prim, sec, support, mil_support, trade, need)


def initial_drive(s: State, k: Static) -> np.ndarray:
    return mechanism_drive(k, s.alignment, s.threat, s.expectation, s.sanctions, s.secondary,
                           dependence_of(k, s.trade))


def initial_state(k: Static, a0: np.ndarray, f0) -> State:
    """Step 0: threats at their standing level and sanctions at the level the actors'
    own decisions give, so a scenario without shocks does not start with a jolt."""
    z = np.zeros_like(a0)
    s = State(a0, standing_threat(a0, k.military0) * k.offdiag, k.expectation0.copy(), k.military0.copy(),
              z, z, z, z, k.volume.copy(), np.zeros_like(k.military0))
    # joining a friend's sanctions depends on the friend's own: iterate to the fixed point
    # (the map is monotone and bounded, so this converges; 200 is a guard, not a budget)
    for _ in range(200):
        prim, sec = sanctions_step(s, k, f0)
        done = np.array_equal(prim, s.sanctions)
        s = replace(s, sanctions=prim, secondary=sec)
        if done:
            break
    need = need_of(k, f0, s.sanctions)   # zero when k.chronic is this step-0 pressure
    return replace(s, need=need, trade=trade_step(s, k, f0, s.sanctions, s.secondary, need, 0))
