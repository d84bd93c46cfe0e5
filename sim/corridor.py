"""Trade corridors: named routes carrying given actor pairs, with capacity and transit time.

A route may pass chokepoints (the Gulf-Asia sea route passes Hormuz and Malacca). Closing
a chokepoint or a route by name closes every route through it; trade then moves to the
open routes carrying the same pair, fastest first, within their remaining capacity.
Trade that finds no route is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .distribution import Value
from .errors import ScenarioError
from .schema import Table, check_ident, to_step

FIELDS = ("name", "pairs", "capacity", "transit_days", "chokepoints", "opens")


@dataclass(frozen=True)
class Corridor:
    id: str
    name: str
    pairs: tuple[tuple[str, str], ...]
    capacity: Value          # trade it can carry, US$ bn per year
    transit_days: float      # orders preference when rerouting
    chokepoints: tuple[str, ...]
    opens: int               # first step at which it carries trade


def parse_corridor(cid: str, t: Table, actors: list[str], start) -> Corridor:
    pairs_raw = t.raw("pairs")
    if not isinstance(pairs_raw, list) or not pairs_raw:
        raise ScenarioError(t.file, t.at("pairs"), pairs_raw,
                            'a list of actor pairs, e.g. [["iran", "china"]]')
    pairs = []
    for k, p in enumerate(pairs_raw):
        path = f"{t.at('pairs')}[{k}]"
        if not isinstance(p, list) or len(p) != 2 or p[0] == p[1]:
            raise ScenarioError(t.file, path, p, "a pair of two different actor ids")
        pairs.append(tuple(sorted(check_ident(a, actors, t.file, path) for a in p)))
    chokes = t.raw("chokepoints", default=[cid])
    if not isinstance(chokes, list) or not all(isinstance(c, str) for c in chokes):
        raise ScenarioError(t.file, t.at("chokepoints"), chokes, "a list of names")
    opens = to_step(t.raw("opens", 0), start, t.file, t.at("opens"))
    c = Corridor(cid, t.string("name", default=cid), tuple(pairs), t.value("capacity", lo=0.0),
                 t.number("transit_days", lo=0.0, hi=3650.0), tuple(dict.fromkeys([cid, *chokes])),
                 opens)
    t.finish(FIELDS)
    return c


@dataclass(frozen=True)
class Network:
    """Index arrays for routing, built once per scenario."""
    pair_i: np.ndarray        # (P,) actor index of each routed pair
    pair_j: np.ndarray
    pref: np.ndarray          # (P, L) corridor index by preference, -1 = none
    choke_of: np.ndarray      # (C, Q) 1 if corridor c passes chokepoint q
    opens: np.ndarray         # (C,)
    chokepoints: tuple[str, ...]

    @property
    def n_corridors(self) -> int:
        return self.choke_of.shape[0]


def build_network(corridors: list[Corridor], actors: list[str]) -> Network:
    idx = {a: k for k, a in enumerate(actors)}
    pairs = sorted({p for c in corridors for p in c.pairs}, key=lambda p: (idx[p[0]], idx[p[1]]))
    chokes = tuple(dict.fromkeys(q for c in corridors for q in c.chokepoints))
    pref_lists = []
    for p in pairs:
        carrying = [k for k, c in enumerate(corridors) if p in c.pairs]
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
                   pref, choke_of, np.array([c.opens for c in corridors], dtype=np.int64), chokes)


@njit(cache=True)
def usable(capacity, closure, choke_of, opens, step, r, left):
    """R2: usable capacity of each corridor of run r: its capacity times the open share of every
    chokepoint it passes (a product, so one closed strait closes the route), once it has opened."""
    for c in range(capacity.shape[1]):
        avail = 1.0 if step >= opens[c] else 0.0
        for q in range(closure.shape[1]):
            if choke_of[c, q] > 0.0:
                avail *= 1.0 - closure[r, q]
        left[c] = capacity[r, c] * avail


@njit(cache=True)
def allocate(pref, left, remaining, asked, frac, flow):
    """R3: place each routed pair's `remaining` demand on its corridors, fastest first.

    At each preference level every pair asks its next corridor for what is still unplaced; a
    corridor short of capacity grants all askers the same fraction, so no pair's place in a
    list decides who gets through. Updates remaining (unplaced), left and flow in place."""
    n_c = left.shape[0]
    for level in range(pref.shape[1]):
        for c in range(n_c):
            asked[c] = 0.0
        for p in range(pref.shape[0]):
            c = pref[p, level]
            if c >= 0:
                asked[c] += remaining[p]
        for c in range(n_c):
            frac[c] = min(1.0, left[c] / asked[c]) if asked[c] > 0.0 else 0.0
        for c in range(n_c):
            asked[c] = 0.0   # reused as this level's placed volume
        for p in range(pref.shape[0]):
            c = pref[p, level]
            if c >= 0:
                g = remaining[p] * frac[c]
                remaining[p] -= g
                asked[c] += g
        for c in range(n_c):
            left[c] = max(left[c] - asked[c], 0.0)
            flow[c] += asked[c]


def availability(net: Network, closure: np.ndarray, step: int) -> np.ndarray:
    """Share of each corridor's capacity usable: (R, C). closure: (R, Q) in [0, 1]."""
    ones = np.ones((closure.shape[0], net.n_corridors))
    out = np.empty_like(ones)
    for r in range(closure.shape[0]):
        usable(ones, np.ascontiguousarray(closure, dtype=np.float64), net.choke_of, net.opens, step, r, out[r])
    return out


def route(net: Network, demand: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Allocate (R, P) demand over (R, C) usable capacity; returns (delivered, flow per corridor).
    The model itself calls `allocate` from its compiled step; this is the same rule for callers
    outside it (tests, analyses)."""
    demand = np.asarray(demand, dtype=np.float64)
    capacity = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (demand.shape[0], net.n_corridors))
    delivered = np.empty_like(demand)
    flow = np.zeros((demand.shape[0], net.n_corridors))
    scratch = np.empty((2, net.n_corridors))
    for r in range(demand.shape[0]):
        remaining, left = demand[r].copy(), capacity[r].copy()
        allocate(net.pref, left, remaining, scratch[0], scratch[1], flow[r])
        delivered[r] = demand[r] - remaining
    return delivered, flow
