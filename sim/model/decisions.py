"""Support decisions (P1 in docs/MODEL.md): each month every actor decides, for every other,
which kinds of support it stands ready to give (diplomatic, economic, arms, military), by
comparing expected utilities; what it delivers is that support times the partner's need.

The gain of backing j, per unit of j's need covered:
    G[i, j] = friendship x A[i, j] + stake x (i's expected utility of j holding out against its
              pressurers rather than conceding, on the issues they press; Bueno de Mesquita's
              third-party choice) + security x (i's own threat from j's pressurers; Walt's
              balance of threat) + trade x (i's trade with j, share of its trade)
              + commitment x E[j, i] (what j expects of i: reputation),
    a positive G times the share of j's pressure that does not come from i itself.
Covering need has diminishing returns: the value of covering a share c is 1 - (1 - c)^2, so a
kind covering e on top of what is already covered, c, is worth G x (phi(min(c + e, 1)) -
phi(c)) / e per unit (`_marginal`): 2 (1 - c) - e while it fits, nothing once the need is met.
c counts the other patrons' coverage (last month's decisions) and i's own cheaper kinds, taken
in order of cost (diplomatic, economic, arms, military): support from one patron lowers the
value of another's, patrons substitute, and a patron adds costly kinds only where cheap ones
leave much uncovered.
Arms answer threats, and they are fungible. They cover j's need only as far as j is threatened by
those who press it (a trade loss is not met with weapons; Walt 1987), and they strengthen j against
anyone, i and its friends included (Krause 1992). So the gain of arming j is
G_arms = (G - security x hos[i, j]) x sum_h sp[h, j] T[j, h], with hos[i, j] = H[j, i] +
sum_{f != i} max(A[i, f], 0) H[j, f] / (N - 1), H[j, f] = max(-A[j, f], 0), the friends weighted as in
a route's stake (sim.model.events.stakes). A rival may be backed with words, trade or force against a
common threat, but seldom armed.
The cost of a kind: its base cost x (1 + entrapment x risk), risk being j's pressurers' share of
the power between them and i; economic support adds the secondary-sanctions exposure i does
not tolerate. i bears the share (1 - resolve) of the costs.
The choice is a logit choice on the ratio of value to cost: i backs j with a kind when
log(G x marginal / cost) > temperature x xi, xi a standard logistic draw per run, pair and kind
(how much this run's i values j relative to the cost), so P(backing) = sigmoid(log(value/cost) /
temperature) across runs; an actor with no reason to back j never does. Changing course costs
`switching_cost` (a commitment's reputation, in the same log units): a decision is taken once
the ratio clears the taste by that much and kept until it falls that far below. Reliability is
the share of decided support actually delivered.
"""

from numba import njit

from sim.core import vecmath

from sim.model.rules import nonzero, positive
from sim.model.rules import (COST_ARMS, COST_DIPLOMATIC, COST_ECONOMIC, COST_MILITARY, COVER, ENTRAPMENT, GAIN_COMMITMENT,
                             GAIN_FRIEND, GAIN_SECURITY, GAIN_STAKE, GAIN_TRADE, JIT, SECONDARY_COST, SWITCHING_COST,
                             TEMPERATURE, U)
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
def power_shares(military, alignment, r0, r1, total, out):
    """out[h, i] = the share of h's coalition in the military power between it and i: h's
    capability plus its friends' (each by its alignment toward h, i itself excluded), against
    i's. Confronting a state means confronting those committed to it (entrapment)."""
    n = military.shape[0]
    for h in range(n):
        for r in range(U(r0), U(r1)):
            total[r] = military[h, r]
        for q in range(n):
            if q == h:
                continue
            for r in range(U(r0), U(r1)):
                total[r] += max(alignment[q, h, r], 0.0) * military[q, r]
        for i in range(n):
            for r in range(U(r0), U(r1)):
                ally = military[h, r] + (total[r] - military[h, r]) - max(alignment[i, h, r], 0.0) * military[i, r] \
                    if i != h else military[h, r]
                out[h, i, r] = ally / max(ally + military[i, r], 1e-12)


@njit(**JIT)
def calm(need, j, r0, r1):
    """Whether j has no need in any of runs r0..r1-1 (then every decision about j stands as it
    was, and computing it would change nothing)."""
    c = 0   # an integer count, which vectorizes (a float sum would not: its order is fixed)
    for r in range(U(r0), U(r1)):
        c += need[j, r] != 0.0
    return c == 0


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
    power_shares(out.military, s.alignment, r0, r1, acc[6], x.power)
    # who presses j, and on which issues, in some run of the block: the others add exact zeros
    pressing = nonzero(x.share, r0, r1)
    pressed_on = nonzero(x.weight, r0, r1)
    # hostility toward f, and i's friendship with f, in some run of the block: the other terms of
    # the arms' hostility sum are exact zeros
    hostile = positive(s.alignment, r0, r1, -1.0)
    friendly = positive(s.alignment, r0, r1, 1.0)
    friends = max(n - 1, 1)
    for j in range(n):
        if calm(out.need, j, r0, r1):
            for i in range(n):
                for kind in range(4):
                    for r in range(U(r0), U(r1)):
                        out.act[kind, i, j, r] = s.act[kind, i, j, r]
            continue
        for r in range(U(r0), U(r1)):
            acc[7, r] = 0.0   # j's own threat from its pressurers, which arms answer (the same for every i)
        for h in range(n):
            if not pressing[h, j]:
                continue
            for r in range(U(r0), U(r1)):
                acc[7, r] += x.share[h, j, r] * out.threat[j, h, r]
        for i in range(n):
            if i == j:
                for kind in range(4):
                    for r in range(U(r0), U(r1)):
                        out.act[kind, i, j, r] = 0.0
                continue
            for r in range(U(r0), U(r1)):
                acc[1, r] = 0.0   # security: i's threat from j's pressurers
                acc[2, r] = 0.0   # risk: j's pressurers' share of power against i
                acc[3, r] = max(-s.alignment[j, i, r], 0.0)   # arms: j's hostility toward i, then i's friends
                acc[4, r] = 0.0   # stake: salience-weighted gain of j holding out
                acc[5, r] = 0.0   # its weight
            for f in range(n):
                if f == i or not friendly[i, f] or not hostile[j, f]:
                    continue
                for r in range(U(r0), U(r1)):
                    acc[3, r] += max(s.alignment[i, f, r], 0.0) * max(-s.alignment[j, f, r], 0.0) / friends
            for h in range(n):
                if not pressing[h, j]:
                    continue
                for r in range(U(r0), U(r1)):
                    p = x.share[h, j, r]
                    acc[1, r] += p * out.threat[i, h, r]
                    acc[2, r] += p * x.power[h, i, r]
            for q in range(n_k):
                if not pressed_on[j, q]:
                    continue
                for r in range(U(r0), U(r1)):
                    c = k.salience[i, q, r] * x.weight[j, q, r]
                    pos = s.positions[i, q, r]
                    acc[4, r] += c * (abs(pos - x.demand[j, q, r]) - abs(pos - s.positions[j, q, r]))
                    acc[5, r] += c
            _choose_kinds(s, k, out, x, i, j, r0, r1)
    deliver(out.act, k.reliability, out.need, r0, r1, x.coverage, x.covered, out)


@njit(**JIT)
def _choose_kinds(s, k, out, x, i, j, r0, r1):
    """The four support choices of i about j for runs r0..r1-1, from the sums decide put in
    x.acc (security, risk, the hostility armed, stake and its weight, j's threat from its
    pressurers). Its own function, on arrays alone, so LLVM vectorizes its loop over runs."""
    w = k.w
    acc = x.acc
    for r in range(U(r0), U(r1)):
        security = acc[1, r]
        risk = acc[2, r]
        stake = 0.5 * acc[4, r] / acc[5, r] if acc[5, r] > 0.0 else 0.0
        others = x.covered[j, r] - x.coverage[i, j, r]
        gain = (w[GAIN_FRIEND, r] * s.alignment[i, j, r] + w[GAIN_STAKE, r] * stake
                + w[GAIN_SECURITY, r] * security + w[GAIN_TRADE, r] * x.dependence[i, j, r]
                + w[GAIN_COMMITMENT, r] * s.expectation[j, i, r])
        # support answers the pressure others put on j, not i's own: the reasons to back j
        # shrink with i's share of that pressure (reasons against it do not)
        gain = gain * (1.0 - x.share[i, j, r]) if gain > 0.0 else gain
        borne = 1.0 - k.resolve[i, r]
        trap = 1.0 + w[ENTRAPMENT, r] * risk
        tau = w[TEMPERATURE, r]
        switch = w[SWITCHING_COST, r]
        rel = k.reliability[i, r]
        exposed = w[SECONDARY_COST, r] * x.exposure[i, j, r] * (1.0 - k.tolerance[i, r])
        # kinds in order of cost: each is worth what it adds on top of what others and
        # i's own cheaper kinds already cover
        covered = min(others, 1.0)
        before0, before1 = s.act[DIPLOMATIC, i, j, r], s.act[ECONOMIC, i, j, r]
        before2, before3 = s.act[ARMS, i, j, r], s.act[MILITARY, i, j, r]
        act0 = choose(gain * _marginal(covered, COVER[0]), borne * w[COST_DIPLOMATIC, r] * trap,
                      tau * k.taste[DIPLOMATIC, i, j, r], switch, before0)
        covered = min(covered + act0 * rel * COVER[0], 1.0)
        act1 = choose(gain * _marginal(covered, COVER[1]), borne * (w[COST_ECONOMIC, r] * trap + exposed),
                      tau * k.taste[ECONOMIC, i, j, r], switch, before1)
        covered = min(covered + act1 * rel * COVER[1], 1.0)
        # arms answer j's threat from its pressurers (acc[7]), and strengthen j against i and its
        # friends too (fungible): that hostility counts against them
        armed = (gain - w[GAIN_SECURITY, r] * acc[3, r]) * acc[7, r]
        act2 = choose(armed * _marginal(covered, COVER[2]), borne * w[COST_ARMS, r] * trap,
                      tau * k.taste[ARMS, i, j, r], switch, before2)
        covered = min(covered + act2 * rel * COVER[2], 1.0)
        act3 = choose(gain * _marginal(covered, COVER[3]), borne * w[COST_MILITARY, r] * trap,
                      tau * k.taste[MILITARY, i, j, r], switch, before3)
        # a run in which j has no need keeps its decisions (selects, so the loop vectorizes)
        needy = out.need[j, r] != 0.0
        out.act[DIPLOMATIC, i, j, r] = act0 if needy else before0
        out.act[ECONOMIC, i, j, r] = act1 if needy else before1
        out.act[ARMS, i, j, r] = act2 if needy else before2
        out.act[MILITARY, i, j, r] = act3 if needy else before3


@njit(inline="always", **JIT)
def _marginal(covered, cover):
    """The value, per unit of cover, of covering `cover` more of a need of which `covered` is met:
    (phi(min(covered + cover, 1)) - phi(covered)) / cover with phi(c) = 1 - (1 - c)^2; never
    negative, 0 once the need is met."""
    after = min(covered + cover, 1.0)
    return ((1.0 - covered) * (1.0 - covered) - (1.0 - after) * (1.0 - after)) / cover


@njit(inline="always", **JIT)
def choose(value, cost, taste, switch, before):
    """1 if the act is chosen: log(value / cost) beats the run's taste, by the switching cost for a
    change of course (a commitment is kept until the ratio falls that far below, and a new one is
    taken once it rises that far above). No value, no act; no cost, any value will do."""
    # written as selects, not early returns, so a loop over runs that calls it vectorizes (the
    # logs of a value or cost <= 0 are computed and discarded)
    margin = switch if before == 0.0 else -switch
    chosen = 1.0 if vecmath.log(value) - vecmath.log(cost) > taste + margin else 0.0
    return 0.0 if value <= 0.0 else (1.0 if cost <= 0.0 else chosen)


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
