"""Trade corridors: named routes carrying given actor pairs, with capacity and transit time.

A route may pass chokepoints (the Gulf-Asia sea route passes Hormuz and Malacca). Closing
a chokepoint or a route by name closes every route through it; trade then moves to the
open routes carrying the same pair, fastest first, within their remaining capacity.
Trade that finds no route is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def availability(net: Network, closure: np.ndarray, step: int) -> np.ndarray:
    """Share of each corridor's capacity usable: (R, C). closure: (R, Q) in [0, 1]."""
    # product over the chokepoints a route passes, via logs would lose exact zeros
    open_q = 1.0 - closure
    avail = np.ones((closure.shape[0], net.n_corridors))
    for q in range(closure.shape[1]):
        avail = avail * np.where(net.choke_of[:, q] > 0, open_q[:, q:q + 1], 1.0)
    return avail * (step >= net.opens)


def route(net: Network, demand: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Allocate each routed pair's demand to its corridors in preference order.

    demand: (R, P) trade wanted; capacity: (R, C) usable capacity.
    At each preference level every pair asks its next corridor for what is still
    unplaced; a corridor short of capacity grants all askers the same fraction,
    so no pair's place in a list decides who gets through.
    Returns (delivered (R, P), flow per corridor (R, C)).
    """
    remaining = demand.copy()
    left = capacity.copy()
    flow = np.zeros_like(capacity)
    n_c = capacity.shape[1]
    for level in range(net.pref.shape[1]):
        target = net.pref[:, level]
        has = target >= 0
        if not has.any():
            break
        onehot = np.zeros((len(target), n_c))
        onehot[np.nonzero(has)[0], target[has]] = 1.0
        # broadcast-and-sum, not BLAS: the sum order must not depend on the chunk size
        asked = (remaining[:, :, None] * onehot).sum(axis=1)         # (R, C)
        frac = np.where(asked > 0, np.minimum(1.0, left / np.where(asked > 0, asked, 1.0)), 0.0)
        granted = remaining * np.where(has, frac[:, np.maximum(target, 0)], 0.0)  # (R, P)
        remaining = remaining - granted
        used = (granted[:, :, None] * onehot).sum(axis=1)
        left = np.maximum(left - used, 0.0)
        flow = flow + used
    return demand - remaining, flow
