"""Events with authors (D1-D3 in docs/MODEL.md): the decisions a scenario declares (closures of a
route, strikes), the summits that decisions to back a partner bring, and the forcing the month
acts on: what the scenario schedules plus what the actors decide.

- A closure by author a of route q: coercion (the share of its pressurers' trade the closure cuts,
  weighted by how hard each presses a, times a's need) against its own trade through q, of which
  it bears 1 - resolve; a logit choice on log(value / cost) + the declared propensity, with a
  taste drawn per run (as support decisions, sim.model.decisions.choose).
  Those who lose trade by it hold a responsible: their threat perception of a rises and their
  loss counts as pressure from a (sim.model.kernel). So do their friends, and every buyer on
  the world market (kernel.threat).
- A strike by a on b: the trade b's closures cut for a and a's friends (a's stake in each route,
  `stakes`, which the threat a closure raises reads too), against the cost of fighting b (as
  military support: cost_military x (1 + entrapment x the share of power of b and those
  committed to it)).
  Strikes reopen closures: a closure loses `reopening` x the strikes on its author each month.
- A summit: the month an actor first decides to back a partner in need diplomatically, the two
  meet: a diplomatic push of `summit` both ways (sim.model.kernel.expectation, update).
"""

from numba import njit

from sim.model.rules import (CLOSURE_COERCION, COST_MILITARY, ENTRAPMENT, JIT, REOPENING, STRIKE_GAIN, SUMMIT,
                             TEMPERATURE, U)
from sim.model.decisions import choose
from sim.model.rules import nonzero
from sim.model.state import CLOSURE, DIPLOMATIC, STRIKE


@njit(**JIT)
def scripted(f, r0, r1, x):
    """x's month forcing starts as the scripted forcing f."""
    n, n_q = f.conflict.shape[0], f.closure.shape[0]
    for i in range(n):
        for j in range(n):
            for r in range(U(r0), U(r1)):
                x.conflict[i, j, r] = f.conflict[i, j, r]
                x.diplomacy[i, j, r] = f.diplomacy[i, j, r]
    for q in range(n_q):
        for r in range(U(r0), U(r1)):
            x.closure[q, r] = f.closure[q, r]
        for i in range(n):
            for r in range(U(r0), U(r1)):
                x.closure_by[q, i, r] = f.closure_by[q, i, r]


@njit(**JIT)
def declared(s, k, f, r0, r1, x, out):
    """D1-D2: this month's declared decisions, from last month's state, into out.decided and
    out.decided_left; closures first (so strikes see them), then strikes; x gains what they do."""
    scripted(f, r0, r1, x)
    dec = k.declared
    for pass_kind in (CLOSURE, STRIKE):
        closing = nonzero(x.closure_by, r0, r1)
        if pass_kind == STRIKE:
            stakes(s.alignment, k.choke_loss, closing, r0, r1, x.stake)   # strikes and threat (T1) read them
        for d in range(dec.author.shape[0]):
            if dec.kind[d] != pass_kind:
                continue
            a, obj = dec.author[d], dec.object[d]
            if pass_kind == STRIKE and not closing[:, obj].any() and not _going(s, d, r0, r1):
                # no closure by the target in any run of the block: a strike is worth nothing, as
                # computing it would find (so skipping changes no run's bits)
                for r in range(U(r0), U(r1)):
                    out.decided[d, r] = 0.0
                    out.decided_left[d, r] = 0.0
                continue
            if pass_kind == CLOSURE:
                _closure_value(s, k, a, obj, r0, r1, x.acc[0], x.acc[1])
            else:
                _strike_value(s, k, x, a, obj, r0, r1, x.acc[0], x.acc[1])
            for r in range(U(r0), U(r1)):
                value, cost = x.acc[0, r], x.acc[1, r]
                # the propensity scales value against cost (log units), as the taste does
                act = choose(value, cost, k.w[TEMPERATURE, r] * k.decision_taste[d, r] - k.decision_propensity[d, r],
                             0.0, 0.0) > 0.0
                going = s.decided_left[d, r] > 0.0
                level = s.decided[d, r] if going else (k.decision_intensity[d, r] if act else 0.0)
                # the month it is taken counts as the act's first: it lasts `duration` months
                left = s.decided_left[d, r] - 1.0 if going else (k.decision_duration[d, r] - 1.0 if act else 0.0)
                out.decided[d, r] = level
                out.decided_left[d, r] = left
            _apply(s, k, x, out, d, pass_kind, a, obj, r0, r1)


@njit(**JIT)
def _going(s, d, r0, r1):
    """Whether decision d's act is still running in some run of the block."""
    for r in range(U(r0), U(r1)):
        if s.decided_left[d, r] > 0.0:
            return True
    return False


@njit(**JIT)
def _closure_value(s, k, a, q, r0, r1, value, cost):
    """value[r], cost[r] for a of closing q: the coercion, and its own trade through q it bears.
    (value first holds the pressure on a, cost the part of it q's closure hurts: sums over the
    pressurers with the runs innermost, so the loops vectorize.)"""
    n = s.alignment.shape[0]
    for r in range(U(r0), U(r1)):
        value[r] = 0.0
        cost[r] = 0.0
    for h in range(n):
        for r in range(U(r0), U(r1)):
            value[r] += s.pressure[h, a, r]
            cost[r] += s.pressure[h, a, r] * k.choke_loss[q, h, r]
    for r in range(U(r0), U(r1)):
        total, hurt = value[r], cost[r]
        coercion = s.need[a, r] * hurt / total if total > 0.0 else 0.0
        value[r] = k.w[CLOSURE_COERCION, r] * coercion
        cost[r] = (1.0 - k.resolve[a, r]) * k.choke_loss[q, a, r]


@njit(**JIT)
def stakes(a, choke_loss, closing, r0, r1, out):
    """out[q, i] = i's stake in route q: the share of its own trade a full closure of q cuts, plus
    its friends' shares, each by i's alignment with it, averaged over the others:
    L[q, i] + sum_{h != i} A[i, h]+ L[q, h] / (N - 1). Computed, from last month's alignment, for the
    routes someone closes in some run of the block (closing[q, author]); 0 for the others, whose
    closures are 0 in every run, so every use of the stake there adds an exact zero."""
    n, n_q = a.shape[0], choke_loss.shape[0]
    for q in range(n_q):
        if not closing[q].any():
            for i in range(n):
                for r in range(U(r0), U(r1)):
                    out[q, i, r] = 0.0
            continue
        for i in range(n):
            for r in range(U(r0), U(r1)):
                out[q, i, r] = choke_loss[q, i, r]
            for h in range(n):
                if h == i:
                    continue
                for r in range(U(r0), U(r1)):
                    out[q, i, r] += max(a[i, h, r], 0.0) * choke_loss[q, h, r] / max(n - 1, 1)


@njit(**JIT)
def _strike_value(s, k, x, a, b, r0, r1, value, cost):
    """value[r], cost[r] for a of striking b: the trade b's closures cut for a and for a's friends
    (its stake in each route, `stakes`), and the cost of fighting b's coalition (runs innermost)."""
    n, n_q = s.alignment.shape[0], x.closure_by.shape[0]
    for r in range(U(r0), U(r1)):
        value[r] = 0.0                   # the hurt
        cost[r] = s.military[b, r]       # b and those committed to it (decisions.power_shares)
    for q in range(n_q):
        for r in range(U(r0), U(r1)):
            value[r] += x.closure_by[q, b, r] * x.stake[q, a, r]
    for q in range(n):
        if q != a and q != b:
            for r in range(U(r0), U(r1)):
                cost[r] += max(s.alignment[q, b, r], 0.0) * s.military[q, r]
    for r in range(U(r0), U(r1)):
        coalition = cost[r]
        power = coalition / max(s.military[a, r] + coalition, 1e-12)
        fight = k.w[COST_MILITARY, r] * (1.0 + k.w[ENTRAPMENT, r] * power)
        value[r] = k.w[STRIKE_GAIN, r] * value[r]
        cost[r] = (1.0 - k.resolve[a, r]) * fight


@njit(**JIT)
def _apply(s, k, x, out, d, kind, a, obj, r0, r1):
    """What decision d does this month: a closure closes its route in its author's name, less
    what strikes on the author reopen (this month's scheduled attacks, and the strikes decided
    last month: this month's are decided after the closures they answer); a strike is an attack."""
    if kind == CLOSURE:
        dec = k.declared
        struck = x.acc[2]   # the strikes on the author, summed with the runs innermost
        for r in range(U(r0), U(r1)):
            struck[r] = 0.0
        for h in range(x.conflict.shape[0]):
            for r in range(U(r0), U(r1)):
                struck[r] += x.conflict[h, a, r]
        for d2 in range(dec.author.shape[0]):
            if dec.kind[d2] == STRIKE and dec.object[d2] == a:
                for r in range(U(r0), U(r1)):
                    struck[r] += s.decided[d2, r]
        for r in range(U(r0), U(r1)):
            level = out.decided[d, r] * max(1.0 - k.w[REOPENING, r] * min(struck[r], 1.0), 0.0)
            out.decided[d, r] = level
            x.closure[obj, r] = max(x.closure[obj, r], level)
            x.closure_by[obj, a, r] = max(x.closure_by[obj, a, r], level)
    else:
        for r in range(U(r0), U(r1)):
            x.conflict[a, obj, r] += out.decided[d, r]


@njit(**JIT)
def summits(prev_act, act, need, w, r0, r1, diplomacy):
    """D3: where i first decides to back j diplomatically while j is in need, the two meet."""
    n = act.shape[1]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            for r in range(U(r0), U(r1)):
                onset = act[DIPLOMATIC, i, j, r] > prev_act[DIPLOMATIC, i, j, r] and need[j, r] > 0.0
                push = w[SUMMIT, r] if onset else 0.0
                diplomacy[i, j, r] += push
                diplomacy[j, i, r] += push
