"""Support decisions (P1 in docs/MODEL.md): each month every actor decides, for every other,
which kinds of support it stands ready to give (diplomatic, economic, arms, military), by
comparing expected utilities; what it delivers is that support times the partner's need.

The gain of backing j, per unit of j's need covered:
    G[i, j] = friendship x A[i, j] + stake x (i's expected utility of j holding out against its
              pressurers rather than conceding, on the issues they press; Bueno de Mesquita's
              third-party choice) + security x (i's own threat from j's pressurers; Walt's
              balance of threat) + trade x (i's trade with j, share of its trade)
              + commitment x E[j, i] (what j expects of i: reputation),
    times the share of j's pressure that does not come from i itself.
Covering need has diminishing returns: the value of covering a share c is 1 - (1 - c)^2, so a
kind covering e on top of what is already covered, c, is worth G x (2 (1 - c) - e) per unit.
c counts the other patrons' coverage (last month's decisions) and i's own cheaper kinds, taken
in order of cost (diplomatic, economic, arms, military): support from one patron lowers the
value of another's, patrons substitute, and a patron adds costly kinds only where cheap ones
leave much uncovered.
The cost of a kind: its base cost x (1 + entrapment x risk), risk being j's pressurers' share of
the power between them and i; economic support adds the secondary-sanctions exposure i does
not tolerate. i bears the share (1 - resolve) of the costs.
The choice is a logit (random utility) choice: i backs j with a kind when G x marginal - cost >
temperature x xi, xi a standard logistic draw per run, pair and kind (a run's policy type),
so P(backing) = sigmoid((G x marginal - cost) / temperature) across runs. Reliability is the
share of decided support actually delivered.
"""

from numba import njit

from sim.model.rules import (COST_ARMS, COST_DIPLOMATIC, COST_ECONOMIC, COST_MILITARY, COVER, ENTRAPMENT, GAIN_COMMITMENT,
                             GAIN_FRIEND, GAIN_SECURITY, GAIN_STAKE, GAIN_TRADE, JIT, SECONDARY_COST, TEMPERATURE, U)
from sim.model.state import ARMS, DIPLOMATIC, ECONOMIC, MILITARY


@njit(**JIT)
def coverage(act, reliability, r0, r1, out, covered):
    """out[i, j] = share of j's need i's decided support covers: reliability x the kinds' cover;
    covered[j] = the sum over i."""
    n = act.shape[1]
    for j in range(n):
        for r in range(U(r0), U(r1)):
            covered[j, r] = 0.0
    for i in range(n):
        for j in range(n):
            for r in range(U(r0), U(r1)):
                c = (COVER[0] * act[0, i, j, r] + COVER[1] * act[1, i, j, r] + COVER[2] * act[2, i, j, r]
                     + COVER[3] * act[3, i, j, r])
                out[i, j, r] = min(reliability[i, r] * c, 1.0)
                covered[j, r] += out[i, j, r]


@njit(**JIT)
def power_shares(military, r0, r1, out):
    """out[h, i] = h's share of the military power between h and i."""
    n = military.shape[0]
    for h in range(n):
        for i in range(n):
            for r in range(U(r0), U(r1)):
                out[h, i, r] = military[h, r] / max(military[h, r] + military[i, r], 1e-12)


@njit(**JIT)
def calm(need, j, r0, r1):
    """Whether j has no need in any of runs r0..r1-1 (then every decision about j stands as it
    was, and computing it would change nothing)."""
    c = 0.0
    for r in range(U(r0), U(r1)):
        c += need[j, r]
    return c == 0.0


@njit(**JIT)
def decide(s, k, out, x, r0, r1):
    """P1: out.act from this month's state (out: threat, military, need) and the last month's
    (s: alignment, expectation, positions; x.coverage and x.covered: the coverage of last month's
    decisions, which `month` computes first); then what they deliver (`deliver`). Decisions
    about backing j are taken while j is in need; otherwise they stand as they were. x.share,
    x.weight and x.demand hold who presses each actor, on what and toward where
    (interests.pressurers), x.exposure the secondary-sanctions exposure and x.dependence the
    trade shares of this month."""
    n, n_k = out.act.shape[1], s.positions.shape[1]
    w = k.w
    acc = x.acc
    power_shares(out.military, r0, r1, x.power)
    for j in range(n):
        if calm(out.need, j, r0, r1):
            for i in range(n):
                for kind in range(4):
                    for r in range(U(r0), U(r1)):
                        out.act[kind, i, j, r] = s.act[kind, i, j, r]
            continue
        for i in range(n):
            if i == j:
                for kind in range(4):
                    for r in range(U(r0), U(r1)):
                        out.act[kind, i, j, r] = 0.0
                continue
            for r in range(U(r0), U(r1)):
                acc[1, r] = 0.0   # security: i's threat from j's pressurers
                acc[2, r] = 0.0   # risk: j's pressurers' share of power against i
                acc[4, r] = 0.0   # stake: salience-weighted gain of j holding out
                acc[5, r] = 0.0   # its weight
            for h in range(n):
                for r in range(U(r0), U(r1)):
                    p = x.share[h, j, r]
                    acc[1, r] += p * out.threat[i, h, r]
                    acc[2, r] += p * x.power[h, i, r]
            for q in range(n_k):
                for r in range(U(r0), U(r1)):
                    c = k.salience[i, q, r] * x.weight[j, q, r]
                    pos = s.positions[i, q, r]
                    acc[4, r] += c * (abs(pos - x.demand[j, q, r]) - abs(pos - s.positions[j, q, r]))
                    acc[5, r] += c
            for r in range(U(r0), U(r1)):
                security = acc[1, r]
                risk = acc[2, r]
                stake = 0.5 * acc[4, r] / acc[5, r] if acc[5, r] > 0.0 else 0.0
                others = x.covered[j, r] - x.coverage[i, j, r]
                # support answers the pressure others put on j, not i's own
                gain = (1.0 - x.share[i, j, r]) * (
                    w[GAIN_FRIEND, r] * s.alignment[i, j, r] + w[GAIN_STAKE, r] * stake
                    + w[GAIN_SECURITY, r] * security + w[GAIN_TRADE, r] * x.dependence[i, j, r]
                    + w[GAIN_COMMITMENT, r] * s.expectation[j, i, r])
                borne = 1.0 - k.resolve[i, r]
                trap = 1.0 + w[ENTRAPMENT, r] * risk
                tau = w[TEMPERATURE, r]
                rel = k.reliability[i, r]
                exposed = w[SECONDARY_COST, r] * x.exposure[i, j, r] * (1.0 - k.tolerance[i, r])
                # kinds in order of cost: each is worth what it adds on top of what others and
                # i's own cheaper kinds already cover
                covered = min(others, 1.0)
                u = gain * (2.0 * (1.0 - covered) - COVER[0]) - borne * w[COST_DIPLOMATIC, r] * trap
                act = 1.0 if u > tau * k.taste[DIPLOMATIC, i, j, r] else 0.0
                out.act[DIPLOMATIC, i, j, r] = act
                covered = min(covered + act * rel * COVER[0], 1.0)
                u = gain * (2.0 * (1.0 - covered) - COVER[1]) - borne * (w[COST_ECONOMIC, r] * trap + exposed)
                act = 1.0 if u > tau * k.taste[ECONOMIC, i, j, r] else 0.0
                out.act[ECONOMIC, i, j, r] = act
                covered = min(covered + act * rel * COVER[1], 1.0)
                u = gain * (2.0 * (1.0 - covered) - COVER[2]) - borne * w[COST_ARMS, r] * trap
                act = 1.0 if u > tau * k.taste[ARMS, i, j, r] else 0.0
                out.act[ARMS, i, j, r] = act
                covered = min(covered + act * rel * COVER[2], 1.0)
                u = gain * (2.0 * (1.0 - covered) - COVER[3]) - borne * w[COST_MILITARY, r] * trap
                out.act[MILITARY, i, j, r] = 1.0 if u > tau * k.taste[MILITARY, i, j, r] else 0.0
                if out.need[j, r] == 0.0:   # a run in which j has no need keeps its decisions
                    for kind in range(4):
                        out.act[kind, i, j, r] = s.act[kind, i, j, r]
    deliver(out.act, k.reliability, out.need, r0, r1, x.coverage, x.covered, out)


@njit(**JIT)
def deliver(act, reliability, need, r0, r1, cover, covered, out):
    """What the decisions deliver this month: support[i, j] = need[j] x coverage; its economic,
    arms and military parts likewise (cover and covered are working space)."""
    n = act.shape[1]
    coverage(act, reliability, r0, r1, cover, covered)
    for i in range(n):
        for j in range(n):
            for r in range(U(r0), U(r1)):
                base = need[j, r] * reliability[i, r]
                out.support[i, j, r] = need[j, r] * cover[i, j, r]
                out.economic_support[i, j, r] = base * COVER[ECONOMIC] * act[ECONOMIC, i, j, r]
                out.arms_support[i, j, r] = base * COVER[ARMS] * act[ARMS, i, j, r]
                out.military_support[i, j, r] = base * COVER[MILITARY] * act[MILITARY, i, j, r]
