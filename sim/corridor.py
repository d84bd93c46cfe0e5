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


_U = np.uint64   # loop bounds over runs as uint64: numba then drops the negative-index check, and the loop vectorizes


@njit(cache=True, error_model="numpy")
def usable(capacity, closure, choke_of, opens, step, r0, r1, left):
    """R2: usable capacity of each corridor for runs r0..r1-1: its capacity times the open share of
    every chokepoint it passes (a product, so one closed strait closes the route), once it has
    opened. Runs last: capacity, left (C, R); closure (Q, R)."""
    for c in range(capacity.shape[0]):
        avail = 1.0 if step >= opens[c] else 0.0
        for r in range(_U(r0), _U(r1)):
            left[c, r] = avail
        for q in range(closure.shape[0]):
            if choke_of[c, q] > 0.0:
                for r in range(_U(r0), _U(r1)):
                    left[c, r] *= 1.0 - closure[q, r]
        for r in range(_U(r0), _U(r1)):
            left[c, r] = capacity[c, r] * left[c, r]


@njit(cache=True, error_model="numpy")
def allocate(pref, r0, r1, left, remaining, asked, frac, flow):
    """R3: place each routed pair's `remaining` demand on its corridors, fastest first, for runs
    r0..r1-1 (runs last: remaining (P, R); left, asked, frac, flow (C, R)).

    At each preference level every pair asks its next corridor for what is still unplaced; a
    corridor short of capacity grants all askers the same fraction, so no pair's place in a
    list decides who gets through. Updates remaining (unplaced), left and flow in place."""
    n_c = left.shape[0]
    for level in range(pref.shape[1]):
        for c in range(n_c):
            for r in range(_U(r0), _U(r1)):
                asked[c, r] = 0.0
        for p in range(pref.shape[0]):
            c = pref[p, level]
            if c >= 0:
                for r in range(_U(r0), _U(r1)):
                    asked[c, r] += remaining[p, r]
        for c in range(n_c):
            for r in range(_U(r0), _U(r1)):
                frac[c, r] = min(1.0, left[c, r] / asked[c, r]) if asked[c, r] > 0.0 else 0.0
                asked[c, r] = 0.0   # reused as this level's placed volume
        for p in range(pref.shape[0]):
            c = pref[p, level]
            if c >= 0:
                for r in range(_U(r0), _U(r1)):
                    g = remaining[p, r] * frac[c, r]
                    remaining[p, r] -= g
                    asked[c, r] += g
        for c in range(n_c):
            for r in range(_U(r0), _U(r1)):
                left[c, r] = max(left[c, r] - asked[c, r], 0.0)
                flow[c, r] += asked[c, r]


def availability(net: Network, closure: np.ndarray, step: int) -> np.ndarray:
    """Share of each corridor's capacity usable: (R, C). closure: (R, Q) in [0, 1]."""
    runs = closure.shape[0]
    out = np.empty((net.n_corridors, runs))
    usable(np.ones((net.n_corridors, runs)), np.ascontiguousarray(np.asarray(closure, dtype=np.float64).T),
           net.choke_of, net.opens, step, 0, runs, out)
    return out.T.copy()


def route(net: Network, demand: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Allocate (R, P) demand over (R, C) usable capacity; returns (delivered, flow per corridor).
    The model itself calls `allocate` from its compiled step; this is the same rule for callers
    outside it (tests, analyses)."""
    demand = np.asarray(demand, dtype=np.float64)
    runs = demand.shape[0]
    capacity = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (runs, net.n_corridors))
    remaining = np.array(demand.T, order="C")
    left = np.array(capacity.T, order="C")   # a writable copy (capacity may be a broadcast view)
    flow = np.zeros((net.n_corridors, runs))
    scratch = np.empty((2, net.n_corridors, runs))
    allocate(net.pref, 0, runs, left, remaining, scratch[0], scratch[1], flow)
    return demand - remaining.T, flow.T.copy()
