"""Interests over issues (I1-I3 in docs/MODEL.md): positions that move under pressure and with
support, the prevailing outcome of each issue, and the similarity of interests that enters the
alignment drive.

- Concession: an actor under acute pressure moves toward the positions its pressurers hold on
  the issues they care about, the more so the less it expects to hold out (its capability and
  its backers' against its pressurers'): the bargaining logic of Bueno de Mesquita's expected
  utility model, where a challenge the target expects to lose makes it compromise.
- Drift: an actor that receives support moves toward its patron's positions on the issues the
  patron cares about (patron-client bargaining: support buys alignment of policy).
- Outcome: the positions weighted by capability times salience (a weighted mean: smooth, so a
  small change of support moves it a little, unlike the weighted median of voting models).
"""

from numba import njit

from sim.model.rules import CONCESSION, DRIFT, JIT, POSITION_STEP, U, clip, nonzero


@njit(**JIT)
def pressurers(pressure, salience, positions, alignment, r0, r1, total, share, weight, demand, willing):
    """For every actor j: share[h, j], the share of j's acute pressure coming from h; weight[j, k],
    how hard its pressurers press issue k (their salience by pressure share, summing to 1 over
    issues while j is pressed); demand[j, k], the position they press toward (j's own if none);
    willing[j], j's readiness to give in to them: (1 + A[j, h]) / 2 by pressure share. Drezner's
    conflict-expectations model: a target concedes to a friend, and holds out against an
    adversary it expects to face again, for whom a concession now is a weakness later."""
    n, n_k = positions.shape[0], positions.shape[1]
    pressed = nonzero(pressure, r0, r1)
    for j in range(n):
        if not pressed[:, j].any():     # no one presses j in any run: shares 0, demand j's own
            for h in range(n):
                for r in range(U(r0), U(r1)):
                    share[h, j, r] = 0.0
            for k in range(n_k):
                for r in range(U(r0), U(r1)):
                    weight[j, k, r] = 0.0
                    demand[j, k, r] = positions[j, k, r]
            for r in range(U(r0), U(r1)):
                willing[j, r] = 0.0
            continue
        for r in range(U(r0), U(r1)):
            total[r] = 0.0
        for h in range(n):
            for r in range(U(r0), U(r1)):
                total[r] += pressure[h, j, r]
        for r in range(U(r0), U(r1)):
            willing[j, r] = 0.0
        for h in range(n):
            for r in range(U(r0), U(r1)):
                x = pressure[h, j, r] / total[r] if total[r] > 0.0 else 0.0
                share[h, j, r] = x
                willing[j, r] += x * 0.5 * (1.0 + alignment[j, h, r])
        for k in range(n_k):
            for r in range(U(r0), U(r1)):
                weight[j, k, r] = 0.0
                demand[j, k, r] = 0.0
            for h in range(n):
                for r in range(U(r0), U(r1)):
                    x = share[h, j, r] * salience[h, k, r]
                    weight[j, k, r] += x
                    demand[j, k, r] += x * positions[h, k, r]
            for r in range(U(r0), U(r1)):
                wk = weight[j, k, r]
                demand[j, k, r] = demand[j, k, r] / wk if wk > 0.0 else positions[j, k, r]


@njit(**JIT)
def resistance(military, coverage, share, r0, r1, backing, out):
    """out[j]: j's chance of holding out against its pressurers: its capability plus its backers'
    capability times the share of j's need they cover, over that plus its pressurers' capability
    by pressure share (1 when no one presses j)."""
    n = military.shape[0]
    for j in range(n):
        for r in range(U(r0), U(r1)):
            backing[r] = military[j, r]
            out[j, r] = 0.0
        for h in range(n):
            for r in range(U(r0), U(r1)):
                backing[r] += military[h, r] * coverage[h, j, r]
                out[j, r] += share[h, j, r] * military[h, r]
        for r in range(U(r0), U(r1)):
            against = out[j, r]
            out[j, r] = backing[r] / (backing[r] + against) if against > 0.0 else 1.0


@njit(**JIT)
def move_positions(p, need, covered, willing, weight, demand, resistance, support, salience, shift, w, r0, r1, out):
    """I1: each position moves by concession toward the pressurers' demand and drift toward the
    patrons' positions, at most `position_step` a month, plus any scripted shift; within [-1, 1].
    Concession answers the need patrons leave uncovered (their support lowers the cost of
    holding out), as far as the actor is willing to give in to its pressurers (pressurers)."""
    n, n_k = p.shape[0], p.shape[1]
    supported = nonzero(support, r0, r1)
    for j in range(n):
        for k in range(n_k):
            for r in range(U(r0), U(r1)):
                bites = need[j, r] * (1.0 - min(covered[j, r], 1.0)) * willing[j, r]
                give = w[CONCESSION, r] * bites * (1.0 - resistance[j, r]) * weight[j, k, r] * (demand[j, k, r] - p[j, k, r])
                out[j, k, r] = give
            for q in range(n):
                if q == j or not supported[q, j]:
                    continue
                for r in range(U(r0), U(r1)):
                    out[j, k, r] += w[DRIFT, r] * support[q, j, r] * salience[q, k, r] * (p[q, k, r] - p[j, k, r])
            for r in range(U(r0), U(r1)):
                step = w[POSITION_STEP, r]
                out[j, k, r] = clip(p[j, k, r] + clip(out[j, k, r], -step, step) + shift[j, k, r], -1.0, 1.0)


@njit(**JIT)
def outcomes(p, salience, military, econ_share, r0, r1, mil_total, num, den, out):
    """I2: the prevailing outcome of each issue: positions weighted by capability (the mean of
    the military and the economic share) times salience."""
    n, n_k = p.shape[0], p.shape[1]
    for r in range(U(r0), U(r1)):
        mil_total[r] = 0.0
    for i in range(n):
        for r in range(U(r0), U(r1)):
            mil_total[r] += military[i, r]
    for k in range(n_k):
        for r in range(U(r0), U(r1)):
            num[r] = 0.0
            den[r] = 0.0
        for i in range(n):
            for r in range(U(r0), U(r1)):
                c = 0.5 * (military[i, r] / max(mil_total[r], 1e-12) + econ_share[i, r]) * salience[i, k, r]
                num[r] += c * p[i, k, r]
                den[r] += c
        for r in range(U(r0), U(r1)):
            out[k, r] = num[r] / den[r] if den[r] > 0.0 else 0.0


@njit(**JIT)
def similarity(p, salience, r0, r1, out):
    """I3: Sim[i, j] = 1 - sum_k s[i, k] |p[i, k] - p[j, k]|, seen through i's salience (rows of
    s sum to 1, distances are at most 2): 1 for identical interests, -1 for opposite ones."""
    n, n_k = p.shape[0], p.shape[1]
    for i in range(n):
        for j in range(n):
            for r in range(U(r0), U(r1)):
                out[i, j, r] = 1.0
            if i == j:
                for r in range(U(r0), U(r1)):
                    out[i, j, r] = 0.0
                continue
            for k in range(n_k):
                for r in range(U(r0), U(r1)):
                    out[i, j, r] -= salience[i, k, r] * abs(p[i, k, r] - p[j, k, r])
