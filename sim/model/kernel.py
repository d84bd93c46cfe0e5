"""The rules of the model, written once: one month of R runs, compiled with numba.

`month` calls the submodels in the order of docs/MODEL.md, section Details: declared decisions
(closures, strikes), threat and capability, sanctions, trade, pressure and need, support decisions
and summits, positions and outcomes, expectations, alignment. Trade is in sim.model.trade, interests in sim.model.interests, support
decisions in sim.model.decisions; the rest is here. The compiled loops over blocks of runs and
over months that call `month` are in sim.model.loops; sim.model.simulate calls those from Python.

Why a run gets the same bits whatever the batch: runs never interact, each run's numbers come
from the same sequence of IEEE operations (no fastmath, so no reassociation or fused
multiply-add), and the one transcendental function, tanh, is built from correctly rounded
operations (sim/core/vecmath.py), so a run computed in a vector lane or in the scalar remainder
of a loop gets the same bits.
"""

from numba import njit

from sim.core import vecmath
from sim.model import decisions, events, interests, trade
from sim.model.state import ECONOMIC
from sim.model.rules import (ADAPTATION, ARMS_ALARM, CLOSURE_ALARM, ARMS_GAIN, DAMAGE, DIPLOMACY, EXPECT_LEARN, EXPECT_RELAX, INERTIA, JIT, NOISE,
                             RECIPROCITY, SANCTION_HOSTILITY, SANCTION_JOIN, SANCTION_SENSITIVITY, SANCTION_THREAT,
                             SANCTION_TRADE_RESTRAINT, THREAT_MEMORY, U, W_BALANCE, W_ECONOMIC, W_HOSTILITY, W_INTEREST,
                             W_SANCTIONS, W_SHARED, W_TRUST, clip, nonzero, positive, zero_diagonal)


@njit(**JIT)
def standing_threat(a, mil, i, j, r):
    """T1*: j's hostility toward i times j's share of the pair's military power."""
    return max(-a[j, i, r], 0.0) * mil[j, r] / max(mil[i, r] + mil[j, r], 1e-12)


@njit(**JIT)
def threat(s, f, x, k, r0, r1, alarm, closed, out):
    """T1: T <- clip(m T + (1 - m) T* + attacks received + 0.5 attacks made + alarm + closures, 0, 1);
    alarm: j arming or fighting for i's enemies (scripted arms, and last month's decided arms
    and military support); closures: j's closures times i's stake in each route, times
    `closure_alarm`. The stake is the share of i's own trade the route carries, its friends'
    shares by i's alignment with them (x.stake, as a strike's value counts them; j's own loss
    to its own closure left out: a closer does not threaten itself), and the share of the rest
    of the world's trade the route carries, passed on to i in proportion to its trade with the
    world market (the price channel: a closure costs every buyer on the world market).
    Attacks are this month's, scripted and decided (x.conflict)."""
    a, t, mil = s.alignment, s.threat, s.military
    w = k.w
    n = a.shape[0]
    n_q = x.closure_by.shape[0]
    friends = max(n - 1, 1)
    closing = nonzero(x.closure_by, r0, r1)
    armed = nonzero(f.arms, r0, r1) | nonzero(s.arms_support, r0, r1) | nonzero(s.military_support, r0, r1)
    hostile = positive(a, r0, r1, -1.0)   # arming i's enemies alarms i; arming others adds exact zeros
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(U(r0), U(r1)):
                    out[i, j, r] = 0.0
                continue
            for r in range(U(r0), U(r1)):
                alarm[r] = 0.0
                closed[r] = 0.0
            for q in range(n):
                if not armed[j, q] or not hostile[i, q]:
                    continue
                for r in range(U(r0), U(r1)):
                    alarm[r] += max(-a[i, q, r], 0.0) * (f.arms[j, q, r] + s.arms_support[j, q, r]
                                                         + s.military_support[j, q, r])
            for q in range(n_q):
                if not closing[q, j]:
                    continue
                for r in range(U(r0), U(r1)):
                    author = max(a[i, j, r], 0.0) * k.choke_loss[q, j, r] / friends
                    market = k.volume_row[i, r] / k.trade_total[i, r] * k.choke_world[q, r]
                    closed[r] += x.closure_by[q, j, r] * (x.stake[q, i, r] - author + market)
            for r in range(U(r0), U(r1)):
                m = w[THREAT_MEMORY, r]
                y = (m * t[i, j, r] + (1.0 - m) * standing_threat(a, mil, i, j, r) + x.conflict[j, i, r]
                     + 0.5 * x.conflict[i, j, r] + w[ARMS_ALARM, r] * alarm[r] + w[CLOSURE_ALARM, r] * closed[r])
                out[i, j, r] = clip(y, 0.0, 1.0)


@njit(**JIT)
def military(s, f, conflict, mil0, w, r0, r1, hit, got, out):
    """M1: attacks erode capability, arms received (scripted and decided) restore it, within
    [5%, 300%] of the start."""
    mil = s.military
    n = mil.shape[0]
    for i in range(n):
        for r in range(U(r0), U(r1)):
            hit[r] = 0.0
            got[r] = 0.0
        for j in range(n):
            for r in range(U(r0), U(r1)):
                hit[r] += conflict[j, i, r]
                got[r] += f.arms[j, i, r] + s.arms_support[j, i, r]
        for r in range(U(r0), U(r1)):
            x = mil[i, r] * (1.0 - w[DAMAGE, r] * min(hit[r], 1.0)) + w[ARMS_GAIN, r] * got[r] * mil0[i, r]
            out[i, r] = clip(x, 0.05 * mil0[i, r], 3.0 * mil0[i, r])


@njit(**JIT)
def sanction_value(w, r, alignment, threat, join):
    """S1's value for i of sanctioning j (scalars of the pair, run r): hostility, threat, and
    joining friends' sanctions on j."""
    return (w[SANCTION_HOSTILITY, r] * max(-alignment, 0.0) + w[SANCTION_THREAT, r] * threat
            + w[SANCTION_JOIN, r] * join)


NEED_FLOOR = 0.01   # pressure under 1% of an actor's trade does not call for help (nor for decisions)
ODDS_FLOOR = 0.01   # a level of 0 (or 1) starts at odds of 1:99 (99:1), so it takes a large change to move


@njit(**JIT)
def sanctions(s, t, f, k, r0, r1, join, prim, sec):
    """S1/S2: each actor's sanctions level is a logit choice that starts at its 2024 level: its
    log-odds move by the change in the value of sanctioning over `sanction_sensitivity`, damped
    by the trade at stake (i's 2024 trade with j over all its trade, of which it bears the share
    1 - resolve: interdependence restrains coercion). A level near none or full needs a large
    change to move (the odds start at 1:99), one in between moves most. Scripted sanctions add
    to the level and relief takes from it; secondary sanctions are the start level plus
    scripted ones, less relief."""
    a, s_prev = s.alignment, s.sanctions
    w = k.w
    n = a.shape[0]
    imposed = nonzero(s_prev, r0, r1)
    friendly = positive(a, r0, r1, 1.0)   # a friend's sanctions count; others add exact zeros
    for i in range(n):
        # join[j]: i's friends' sanctions on j, summed over q in order for every (j, run), with
        # the loops i, q, j so q's rows stay in cache (an O(N^3) sum at large N); terms that are
        # exact zeros in every run of the block are skipped
        for j in range(n):
            for r in range(U(r0), U(r1)):
                join[j, r] = 0.0
        for q in range(n):
            if not friendly[i, q]:
                continue
            for j in range(n):
                if j == i or not imposed[q, j]:
                    continue
                for r in range(U(r0), U(r1)):
                    join[j, r] += max(a[i, q, r], 0.0) * s_prev[q, j, r]
        for j in range(n):
            if i == j:
                for r in range(U(r0), U(r1)):
                    prim[i, j, r] = 0.0
                    sec[i, j, r] = 0.0
                continue
            for r in range(U(r0), U(r1)):
                change = sanction_value(w, r, a[i, j, r], t[i, j, r], join[j, r]) - k.sanction_value0[i, j, r]
                restraint = 1.0 + w[SANCTION_TRADE_RESTRAINT, r] * (1.0 - k.resolve[i, r]) * k.trade_share[i, j, r]
                odds = k.sanction_odds0[i, j, r] + change / (w[SANCTION_SENSITIVITY, r] * restraint)
                decided = (vecmath.logistic(odds) - ODDS_FLOOR) / (1.0 - 2.0 * ODDS_FLOOR)
                prim[i, j, r] = clip(decided + f.sanction[i, j, r] - f.relief[i, j, r], 0.0, 1.0)
                sec[i, j, r] = clip(k.secondary0[i, j, r] + f.secondary[i, j, r] - f.relief[i, j, r], 0.0, 1.0)


@njit(**JIT)
def need_and_pressure(x, prim, sec, adapted, k, r0, r1, effort, out_pressure, out_need, out_adapted):
    """N1: the pressure on j = attacks received (x.conflict: scripted and decided) + the share of
    j's trade lost since the start month (x.lost); need[j] = the part of it j has not adapted to,
    and j adapts at the rate `adaptation` a month (sanctions bite most in their first year or two,
    then the target finds ways around them: Dizaji and van Bergeijk 2013 for Iran).

    The pressure each h puts on j: its attacks; the trade its closures cut for j (x.closure_by);
    and the rest of the lost trade in proportion to the rise of h's sanctions on j since the
    start month (losses to closures without an author are pressure from no one)."""
    n, n_q = prim.shape[0], x.closure_by.shape[0]
    lost = x.lost
    closing = nonzero(x.closure_by, r0, r1)
    for j in range(n):
        for r in range(U(r0), U(r1)):
            effort[0, r] = 0.0     # the rise of sanctions on j, all senders
            effort[1, r] = 0.0     # the trade cut for j by others' authored closures
            effort[2, r] = 0.0     # the trade j cut for itself by its own closures
            out_need[j, r] = lost[j, r]
        for h in range(n):
            for r in range(U(r0), U(r1)):
                effort[0, r] += (max(prim[h, j, r] - k.sanctions0[h, j, r], 0.0)
                                 + max(sec[h, j, r] - k.secondary0[h, j, r], 0.0))
                out_need[j, r] += x.conflict[h, j, r]
            for q in range(n_q):
                if not closing[q, h]:
                    continue
                for r in range(U(r0), U(r1)):
                    # an author's loss to its own closure is need, but no one's pressure on it
                    effort[1 if h != j else 2, r] += x.closure_by[q, h, r] * k.choke_loss[q, j, r]
        for h in range(n):
            for r in range(U(r0), U(r1)):
                out_pressure[h, j, r] = 0.0
            for q in range(n_q):
                if h == j or not closing[q, h]:
                    continue
                for r in range(U(r0), U(r1)):
                    out_pressure[h, j, r] += x.closure_by[q, h, r] * k.choke_loss[q, j, r]
            for r in range(U(r0), U(r1)):
                closed = out_pressure[h, j, r]
                # the authored closures' part of the loss, then the rest, less what j cut itself, by sanctions
                by_closure = closed * min(lost[j, r] / effort[1, r], 1.0) if effort[1, r] > 0.0 else 0.0
                rest = max(lost[j, r] - effort[1, r] - effort[2, r], 0.0)
                rise = max(prim[h, j, r] - k.sanctions0[h, j, r], 0.0) + max(sec[h, j, r] - k.secondary0[h, j, r], 0.0)
                share = rise / effort[0, r] if effort[0, r] > 0.0 else 0.0
                out_pressure[h, j, r] = x.conflict[h, j, r] + by_closure + rest * share
        for r in range(U(r0), U(r1)):
            raw = clip(out_need[j, r], 0.0, 1.0)
            unmet = clip(raw - adapted[j, r], 0.0, 1.0)
            out_need[j, r] = unmet if unmet >= NEED_FLOOR else 0.0
            out_adapted[j, r] = adapted[j, r] + k.w[ADAPTATION, r] * (raw - adapted[j, r])


@njit(**JIT)
def expectation(x, support, need, diplomacy, x0, w, r0, r1, gap, out):
    """E1: gap[i, j] = support received from j minus what i expected of j at its need; the
    expectation learns from the gap, summits raise it, and without need it returns toward its
    start value."""
    n = x.shape[0]
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(U(r0), U(r1)):
                    gap[i, j, r] = 0.0
                    out[i, j, r] = 0.0
                continue
            for r in range(U(r0), U(r1)):
                g = support[j, i, r] - x[i, j, r] * need[i, r]
                gap[i, j, r] = g
                learn = w[EXPECT_LEARN, r] * (g + diplomacy[i, j, r] * (1.0 - x[i, j, r]))
                relax = w[EXPECT_RELAX, r] * (1.0 - need[i, r]) * (x0[i, j, r] - x[i, j, r])
                out[i, j, r] = clip(x[i, j, r] + learn + relax, 0.0, 1.0)


@njit(**JIT)
def drive(a, threat, expectation, prim, sec, dependence, similarity, expectation0, share, w, r0, r1,
          t_total, both, bal, third, out):
    """A1-A2: the explained part of the target alignment's drive: interests, shared threats,
    hostility, structural balance, trade dependence, trust and sanctions.

    both and bal (N, R) hold actor i's sums with every j: the loops run i, q, j, runs, so each
    q's rows stay in cache across the j (an O(N^3) sum at large N); every (i, j, run) still adds
    its terms in the order q = 0, 1, ..., so the bits are those of a sum over q per pair. A q that
    threatens i in no run of the block adds exact zeros to `both` and is skipped."""
    n = a.shape[0]
    enforced = nonzero(sec, r0, r1)
    threatened = nonzero(threat, r0, r1)
    for i in range(n):
        for r in range(U(r0), U(r1)):
            t_total[r] = 0.0
        for q in range(n):
            for r in range(U(r0), U(r1)):
                t_total[r] += threat[i, q, r]
        for j in range(n):
            for r in range(U(r0), U(r1)):
                both[j, r] = 0.0     # shared threat: share of i's threat that j shares
                bal[j, r] = 0.0      # Heider: friend of a friend, enemy of an enemy
        for q in range(n):
            for j in range(n):
                if j == i:
                    continue
                for r in range(U(r0), U(r1)):
                    bal[j, r] += a[i, q, r] * a[q, j, r]
            if not threatened[i, q]:
                continue
            for j in range(n):
                if j == i:
                    continue
                for r in range(U(r0), U(r1)):
                    both[j, r] += threat[i, q, r] * threat[j, q, r]
        for j in range(n):
            if i == j:
                for r in range(U(r0), U(r1)):
                    out[i, j, r] = 0.0
                continue
            for r in range(U(r0), U(r1)):
                third[r] = 0.0    # j's secondary sanctions on i's partners
            for q in range(n):
                if not enforced[j, q]:
                    continue
                for r in range(U(r0), U(r1)):
                    third[r] += share[i, q, r] * sec[j, q, r]
            for r in range(U(r0), U(r1)):
                # the share of i's threat j shares, in full once i's threat adds up to 1: so a tiny
                # threat is a tiny shared threat, not a whole one
                shared = both[j, r] / max(t_total[r], 1.0)
                pressure = prim[j, i, r] + 0.5 * prim[i, j, r] + third[r]
                out[i, j, r] = (w[W_INTEREST, r] * similarity[i, j, r] + w[W_SHARED, r] * shared
                                - w[W_HOSTILITY, r] * threat[i, j, r] + w[W_BALANCE, r] * bal[j, r] / max(n - 2, 1)
                                + w[W_ECONOMIC, r] * dependence[i, j, r]
                                + w[W_TRUST, r] * (expectation[i, j, r] - expectation0[i, j, r])
                                - w[W_SANCTIONS, r] * pressure)


@njit(**JIT)
def update(a, drv, affinity, gap, diplomacy, eps, w, r0, r1, out):
    """A4: move a share `inertia` toward tanh(affinity + drive), add event pulses and noise, clip.
    tanh keeps the target inside (-1, 1) however large the drive; the clip only catches pulses
    and noise at the edges."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            if i == j:
                for r in range(U(r0), U(r1)):
                    out[i, j, r] = 0.0
                continue
            for r in range(U(r0), U(r1)):
                x = (a[i, j, r] + w[INERTIA, r] * (vecmath.tanh(affinity[i, j, r] + drv[i, j, r]) - a[i, j, r])
                     + w[RECIPROCITY, r] * gap[i, j, r] + w[DIPLOMACY, r] * diplomacy[i, j, r]
                     + w[NOISE, r] * eps[i, j, r])
                out[i, j, r] = clip(x, -1.0, 1.0)


@njit(**JIT)
def month(s, k, f, eps, step, r0, r1, x, out):
    """One month for runs r0..r1-1: every submodel in order, reading the previous state s and
    writing out (State), with static inputs k (Static), this month's forcing f (Forcing),
    noise eps (N, N, R) and working space x (Scratch). Each submodel reads the previous state and
    what the submodels before it wrote this month, never its own output."""
    w = k.w
    events.declared(s, k, f, r0, r1, x, out)
    threat(s, f, x, k, r0, r1, x.acc[0], x.acc[1], out.threat)
    military(s, f, x.conflict, k.military0, w, r0, r1, x.acc[0], x.acc[1], out.military)
    sanctions(s, out.threat, f, k, r0, r1, x.sum_a, out.sanctions, out.secondary)
    trade.trade(out.sanctions, out.secondary, s.economic_support, s.act[ECONOMIC], x.closure, step, k, r0, r1, x,
                out.trade, out.trade_row)
    trade.dependence(out.trade, out.trade_row, r0, r1, x.acc[0], x.dependence)
    need_and_pressure(x, out.sanctions, out.secondary, s.adapted, k, r0, r1, x.acc, out.pressure, out.need,
                      out.adapted)
    decisions.coverage(s.act, k.reliability, r0, r1, x.coverage, x.covered)
    interests.pressurers(out.pressure, k.salience, s.positions, s.alignment, r0, r1, x.acc[0], x.share, x.weight,
                         x.demand, x.willing)
    decisions.decide(s, k, out, x, r0, r1)
    events.summits(s.act, out.act, out.need, w, r0, r1, x.diplomacy)
    interests.resistance(out.military, x.coverage, x.share, r0, r1, x.acc[0], x.resistance)
    interests.move_positions(s.positions, out.need, x.covered, x.willing, x.weight, x.demand, x.resistance,
                             out.support, k.salience, f.shift, w, r0, r1, out.positions)
    interests.outcomes(out.positions, k.salience, out.military, k.econ_share, r0, r1, x.acc[0], x.acc[1],
                       x.acc[2], out.outcome)
    interests.similarity(out.positions, k.salience, r0, r1, x.similarity)
    add_scripted_arms(f.arms, r0, r1, out.support)
    expectation(s.expectation, out.support, out.need, x.diplomacy, k.expectation0, w, r0, r1, x.gap,
                out.expectation)
    drive(s.alignment, out.threat, out.expectation, out.sanctions, out.secondary, x.dependence, x.similarity,
          k.expectation0, k.trade_share, w, r0, r1, x.acc[0], x.sum_a, x.sum_b, x.acc[3], x.drive)
    update(s.alignment, x.drive, k.affinity, x.gap, x.diplomacy, eps, w, r0, r1, out.alignment)


@njit(**JIT)
def add_scripted_arms(arms, r0, r1, support):
    """Scripted arms transfers count as support received (E1, A4)."""
    n = arms.shape[0]
    for i in range(n):
        for j in range(n):
            for r in range(U(r0), U(r1)):
                support[i, j, r] = clip(support[i, j, r] + arms[i, j, r], 0.0, 1.0)
    zero_diagonal(support, r0, r1)
