"""Trade (R1-R4 in docs/MODEL.md): 2024 flows moved by sanctions, secondary-sanction cuts and
the lifeline patrons open, with the rest of the world as a partner; routed through corridors;
the share each actor loses; and dependence on each partner as a share of all the trade it has.

Flows are 2024 observations, so trade moves by the ratio of today's conditions to those of the
start month: with nothing changed, every flow is its 2024 value.
"""

from numba import njit

from sim.model import routing
from sim.model.rules import EVASION, JIT, REACH, U, clip, nonzero


@njit(**JIT)
def trade_factors(sanctions, secondary, exposure_to, tolerance, row_exposure, row_tolerance, w, r0, r1,
                  exposure, cut, factor, cut_row):
    """The gross trade factor of every modelled pair (sanctions and secondary cuts, before any
    patron's decision to keep trading, and before any lifeline; symmetric), each actor's cut
    of its trade with each other for secondary-sanctions risk, and the rest of the world's cut
    of its trade with each actor.

    exposure[i, j] = sum_s exposure_to[i, s] x secondary[s, j]: how much of i's business is at
    risk from sanctions senders for trading with j; cut[i, j] = secondary_reach x exposure x
    (1 - i's tolerance)."""
    n = sanctions.shape[0]
    enforced = nonzero(secondary, r0, r1)
    for i in range(n):
        for j in range(n):
            for r in range(U(r0), U(r1)):
                exposure[i, j, r] = 0.0
            for s in range(n):
                if not enforced[s, j]:
                    continue
                for r in range(U(r0), U(r1)):
                    exposure[i, j, r] += exposure_to[i, s, r] * secondary[s, j, r]
    for i in range(n):
        for r in range(U(r0), U(r1)):
            factor[i, i, r] = 0.0
            cut_row[i, r] = 0.0
        for s in range(n):
            if not enforced[s, i]:
                continue
            for r in range(U(r0), U(r1)):
                cut_row[i, r] += row_exposure[s, r] * secondary[s, i, r]
        for r in range(U(r0), U(r1)):
            cut_row[i, r] = clip(w[REACH, r] * cut_row[i, r] * (1.0 - row_tolerance[0, r]), 0.0, 1.0)
        for j in range(n):
            for r in range(U(r0), U(r1)):
                cut[i, j, r] = clip(w[REACH, r] * exposure[i, j, r] * (1.0 - tolerance[i, r]), 0.0, 1.0)
    for i in range(n):
        for j in range(i + 1, n):
            for r in range(U(r0), U(r1)):
                blocked = max(sanctions[i, j, r], sanctions[j, i, r])
                x = (1.0 - blocked) * (1.0 - max(cut[i, j, r], cut[j, i, r]))
                factor[i, j, r] = x
                factor[j, i, r] = x


@njit(**JIT)
def trade(sanctions, secondary, economic_support, keep, closure, step, k, r0, r1, x, out, out_row):
    """R1-R3: delivered trade of every pair and with the rest of the world, and x.lost: the share
    of each actor's trade lost to sanctions and closures since the start month (gross of help:
    a patron's decision to keep trading and its lifeline are support, not an absence of pressure).

    keep[i, j]: i's decision to back j economically (last month's); i then keeps trading with j
    despite secondary sanctions, for the share of its decisions it delivers (reliability)."""
    n = sanctions.shape[0]
    w = k.w
    trade_factors(sanctions, secondary, k.exposure_to, k.tolerance, k.row_exposure, k.row_tolerance, w, r0, r1,
                  x.exposure, x.cut, x.factor, x.cut_row)
    for i in range(n):
        for j in range(n):
            for r in range(U(r0), U(r1)):
                f0 = k.factor0[i, j, r]
                gross = x.factor[i, j, r] / f0 if f0 > 0.0 else 0.0
                blocked = max(sanctions[i, j, r], sanctions[j, i, r])
                cut = max(x.cut[i, j, r] * (1.0 - keep[i, j, r] * k.reliability[i, r]),
                          x.cut[j, i, r] * (1.0 - keep[j, i, r] * k.reliability[j, r]))
                kept = (1.0 - blocked) * (1.0 - cut) / f0 if f0 > 0.0 else 0.0
                lifeline = 1.0 + w[EVASION, r] * (economic_support[i, j, r] + economic_support[j, i, r])
                grown = kept * lifeline
                # never more trade than in the start month with a partner that sanctions
                grown = min(grown, 1.0) if blocked > 0.0 else grown
                out[i, j, r] = k.volume[i, j, r] * grown
                x.gross[i, j, r] = k.volume[i, j, r] * gross
        for r in range(U(r0), U(r1)):
            kept = (1.0 - x.cut_row[i, r]) / k.factor0_row[i, r] if k.factor0_row[i, r] > 0.0 else 0.0
            out_row[i, r] = k.volume_row[i, r] * kept
            x.gross_row[i, r] = out_row[i, r]
    _route(out, out_row, closure, step, k, r0, r1, x)
    for i in range(n):
        for r in range(U(r0), U(r1)):
            x.lost[i, r] = x.gross_row[i, r]
        for j in range(n):
            for r in range(U(r0), U(r1)):
                x.lost[i, r] += x.gross[i, j, r]
        for r in range(U(r0), U(r1)):
            total = k.trade_total[i, r]
            raw = (total - x.lost[i, r]) / total if total > 0.0 else 0.0
            x.lost[i, r] = max(raw - k.lost0[i, r], 0.0)


@njit(**JIT)
def _route(out, out_row, closure, step, k, r0, r1, x):
    """R2-R3: place each routed flow on its corridors (routing.usable, routing.allocate), and
    scale the gross flows (x.gross, x.gross_row) by the share that got through. A route's second
    actor index n is the rest of the world."""
    net = k.network
    n_pairs, n = net.pair_i.shape[0], out.shape[0]
    if n_pairs == 0:
        return
    routing.usable(k.capacity, closure, net.choke_of, net.opens, step, r0, r1, x.left, x.open_share)
    for p in range(n_pairs):
        i, j = net.pair_i[p], net.pair_j[p]
        for r in range(U(r0), U(r1)):
            x.wanted[p, r] = out[i, j, r] if j < n else out_row[i, r]
            x.remaining[p, r] = x.wanted[p, r]
    for c in range(x.used.shape[0]):
        for r in range(U(r0), U(r1)):
            x.used[c, r] = 0.0
    routing.allocate(net.pref, r0, r1, x.left, x.open_share, x.remaining, x.asked, x.frac, x.used)
    for p in range(n_pairs):
        i, j = net.pair_i[p], net.pair_j[p]
        for r in range(U(r0), U(r1)):
            wanted = x.wanted[p, r]
            got = wanted - x.remaining[p, r]
            through = got / wanted if wanted > 0.0 else 1.0
            if j < n:
                out[i, j, r] = got
                out[j, i, r] = got
                x.gross[i, j, r] *= through
                x.gross[j, i, r] *= through
            else:
                out_row[i, r] = got
                x.gross_row[i, r] *= through


@njit(**JIT)
def dependence(trade, trade_row, r0, r1, total, out):
    """R4: D[i, j] = i's trade with j over all the trade i has now (with the actors and the rest
    of the world), in [0, 1]: a partner that keeps trading while others cut matters more."""
    n = trade.shape[0]
    for i in range(n):
        for r in range(U(r0), U(r1)):
            total[r] = trade_row[i, r]
        for j in range(n):
            for r in range(U(r0), U(r1)):
                total[r] += trade[i, j, r]
        for j in range(n):
            for r in range(U(r0), U(r1)):
                out[i, j, r] = clip(trade[i, j, r] / total[r], 0.0, 1.0) if total[r] > 0.0 else 0.0
