"""Trade routing over corridors (R2, R3 in docs/MODEL.md): usable capacity under closures, and
trade placed on open routes, fastest first, within capacity. Compiled; called from the kernel.

A route may pass chokepoints (the Gulf-Asia sea route passes Hormuz and Malacca). Closing a
chokepoint or a route by name closes every route through it; trade then moves to the open
routes carrying the same pair, fastest first, within their remaining capacity. Trade that finds
no route is lost.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.scenario.actors import WORLD
from sim.scenario.corridors import Corridor


class Network(NamedTuple):
    """Index arrays for routing, built once per scenario (a named tuple of arrays, which the
    compiled kernel takes as one argument)."""
    pair_i: np.ndarray        # (P,) actor index of each routed pair
    pair_j: np.ndarray
    pref: np.ndarray          # (P, L) corridor index by preference, -1 = none
    choke_of: np.ndarray      # (C, Q) 1 if corridor c passes chokepoint q
    opens: np.ndarray         # (C,)


def build_network(corridors: list[Corridor], actors: list[str]) -> Network:
    """Routing arrays for `corridors` among `actors` (ids in scenario order).

    Each routed pair lists the corridors that carry it, fastest first (file order breaks ties),
    and each corridor the chokepoints it passes, in the order of `Scenario.context().closable`."""
    idx = {a: k for k, a in enumerate(actors)}
    idx[WORLD] = len(actors)   # a route's second index n stands for the rest of the world
    ordered = {tuple(sorted(p, key=idx.__getitem__)) for c in corridors for p in c.pairs}
    pairs = sorted(ordered, key=lambda p: (idx[p[0]], idx[p[1]]))
    chokes = tuple(dict.fromkeys(q for c in corridors for q in c.chokepoints))
    pref_lists = []
    for p in pairs:
        carrying = [k for k, c in enumerate(corridors) if p in {tuple(sorted(q, key=idx.__getitem__)) for q in c.pairs}]
        # fastest first; file order breaks ties so routing is deterministic
        pref_lists.append(sorted(carrying, key=lambda k: (corridors[k].transit_days, k)))
    width = max((len(x) for x in pref_lists), default=0)
    pref = np.full((len(pairs), width), -1, dtype=np.int64)
    for r, lst in enumerate(pref_lists):
        pref[r, :len(lst)] = lst
    choke_of = np.array([[q in c.chokepoints for q in chokes] for c in corridors],
                        dtype=np.float64).reshape(len(corridors), len(chokes))
    return Network(np.array([idx[p[0]] for p in pairs], dtype=np.int64),
                   np.array([idx[p[1]] for p in pairs], dtype=np.int64),
                   pref, choke_of, np.array([c.opens for c in corridors], dtype=np.int64))


_U = np.uint64   # loop bounds over runs as uint64: numba then drops the negative-index check, and the loop vectorizes


@njit(cache=True, error_model="numpy")
def usable(capacity, closure, choke_of, opens, step, r0, r1, left, open_share):
    """R2: for runs r0..r1-1, each corridor's open share: the product over the chokepoints it
    passes of their open share (one closed strait closes the route), 0 before it opens; and its
    capacity (once open). A closure of intensity x turns away the share x of the traffic, which
    looks for another route, whatever room the closed one has left. Runs last: capacity, left,
    open_share (C, R); closure (Q, R)."""
    for c in range(capacity.shape[0]):
        avail = 1.0 if step >= opens[c] else 0.0
        for r in range(_U(r0), _U(r1)):
            open_share[c, r] = avail
        for q in range(closure.shape[0]):
            if choke_of[c, q] > 0.0:
                for r in range(_U(r0), _U(r1)):
                    open_share[c, r] *= 1.0 - closure[q, r]
        for r in range(_U(r0), _U(r1)):
            left[c, r] = capacity[c, r] * avail


@njit(cache=True, error_model="numpy")
def allocate(pref, r0, r1, left, open_share, remaining, asked, frac, flow):
    """R3: place each routed pair's `remaining` demand on its corridors, fastest first, for runs
    r0..r1-1 (runs last: remaining (P, R); left, open_share, asked, frac, flow (C, R)).

    At each preference level every pair asks its next corridor for the open share of what is
    still unplaced; a corridor short of capacity grants all askers the same fraction, so no
    pair's place in a list decides who gets through. Updates remaining (unplaced), left and
    flow in place."""
    n_c = left.shape[0]
    for level in range(pref.shape[1]):
        for c in range(n_c):
            for r in range(_U(r0), _U(r1)):
                asked[c, r] = 0.0
        for p in range(pref.shape[0]):
            c = pref[p, level]
            if c >= 0:
                for r in range(_U(r0), _U(r1)):
                    asked[c, r] += remaining[p, r] * open_share[c, r]
        for c in range(n_c):
            for r in range(_U(r0), _U(r1)):
                frac[c, r] = min(1.0, left[c, r] / asked[c, r]) if asked[c, r] > 0.0 else 0.0
                asked[c, r] = 0.0   # reused as this level's placed volume
        for p in range(pref.shape[0]):
            c = pref[p, level]
            if c >= 0:
                for r in range(_U(r0), _U(r1)):
                    g = remaining[p, r] * open_share[c, r] * frac[c, r]
                    remaining[p, r] -= g
                    asked[c, r] += g
        for c in range(n_c):
            for r in range(_U(r0), _U(r1)):
                left[c, r] = max(left[c, r] - asked[c, r], 0.0)
                flow[c, r] += asked[c, r]
