"""Trade corridors: named routes carrying given actor pairs, with capacity and transit time.

A route may pass chokepoints (the Gulf-Asia sea route passes Hormuz and Malacca). Closing
a chokepoint or a route by name closes every route through it; trade then moves to the
open routes carrying the same pair, fastest first, within their remaining capacity.
Trade that finds no route is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.actors import WORLD
from sim.scenario.distribution import Value
from sim.core.errors import ScenarioError
from sim.scenario.schema import Table, check_ident, to_step

FIELDS = ("name", "pairs", "capacity", "transit_days", "chokepoints", "opens")


@dataclass(frozen=True)
class Corridor:
    """A trade route: the actor pairs it carries, its capacity, transit time, the chokepoints it
    passes (its own id first, so closing the route by name closes it) and the step it opens.
    """
    id: str
    name: str
    pairs: tuple[tuple[str, str], ...]
    capacity: Value          # trade it can carry, US$ bn per year
    transit_days: float      # orders preference when rerouting
    chokepoints: tuple[str, ...]
    opens: int               # first step at which it carries trade


def parse_corridor(cid: str, t: Table, actors: list[str], start) -> Corridor:
    """A `[corridors.ID]` table as a Corridor.

    Parameters
    ----------
    cid : the corridor's id.
    t : the table being read.
    actors : the scenario's actor ids.
    start : the scenario's start month (year, month), for `opens = "YYYY-MM"`.

    Raises
    ------
    ScenarioError : a bad pair, list or value, or an unknown key.
    """
    pairs_raw = t.raw("pairs")
    if not isinstance(pairs_raw, list) or not pairs_raw:
        raise ScenarioError(t.file, t.at("pairs"), pairs_raw,
                            'a list of actor pairs, e.g. [["iran", "china"]]')
    pairs = []
    for k, p in enumerate(pairs_raw):
        path = f"{t.at('pairs')}[{k}]"
        if not isinstance(p, list) or len(p) != 2 or p[0] == p[1]:
            raise ScenarioError(t.file, path, p, "a pair of two different actor ids")
        pairs.append(tuple(sorted(check_ident(a, [*actors, WORLD], t.file, path) for a in p)))
    chokes = t.raw("chokepoints", default=[cid])
    if not isinstance(chokes, list) or not all(isinstance(c, str) for c in chokes):
        raise ScenarioError(t.file, t.at("chokepoints"), chokes, "a list of names")
    opens = to_step(t.raw("opens", 0), start, t.file, t.at("opens"))
    c = Corridor(cid, t.string("name", default=cid), tuple(pairs), t.value("capacity", lo=0.0),
                 t.number("transit_days", lo=0.0, hi=3650.0), tuple(dict.fromkeys([cid, *chokes])),
                 opens)
    t.finish(FIELDS)
    return c
