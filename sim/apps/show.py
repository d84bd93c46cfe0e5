"""`alignsim show`: a scenario's resolved parameters as readable tables."""

from __future__ import annotations

from sim.scenario.actors import BEHAVIOUR
from sim.scenario.distribution import describe
from sim.scenario.parameters import PARAMETERS
from sim.scenario.spec import Scenario


def _table(header, rows) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[k]) for r in rows)) if rows else len(str(h))
              for k, h in enumerate(header)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def render(s: Scenario) -> str:
    ids = s.actor_ids
    out = [f"{s.title}  [{s.name}]", f"file: {s.path}", f"time: {s.date(0)} + {s.steps} months "
           f"(to {s.date(s.steps)})"]
    if s.description:
        out += ["", " ".join(s.description.split())]
    out += ["", "ACTORS", _table(["id", "name", "military", "economic", *BEHAVIOUR],
                                 [[a.id, a.name, describe(a.military), describe(a.economic),
                                   *(describe(getattr(a, b)) for b in BEHAVIOUR)] for a in s.actors])]
    out += ["", "ISSUE POSITIONS (salience)", _table(
        ["actor", *s.issues],
        [[a.id, *(f"{describe(a.positions[i])} ({describe(a.salience[i])})" for i in s.issues)]
         for a in s.actors])]
    out += ["", "INITIAL ALIGNMENT (row toward column)", _table(
        ["", *ids], [[i, *("" if i == j else describe(s.relations.get((i, j), 0.0)) for j in ids)] for i in ids])]
    if s.trade:
        out += ["", "TRADE, US$ bn/yr", _table(
            ["", *ids], [[i, *("" if i == j else describe(s.trade.get((i, j), 0.0)) for j in ids)] for i in ids])]
    if s.corridors:
        out += ["", "CORRIDORS", _table(
            ["id", "name", "pairs", "capacity", "transit days", "chokepoints", "opens"],
            [[c.id, c.name, ", ".join("-".join(p) for p in c.pairs), describe(c.capacity),
              f"{c.transit_days:g}", ", ".join(c.chokepoints), s.date(c.opens)] for c in s.corridors])]
    if s.shocks:
        out += ["", "SHOCKS", _table(
            ["name", "type", "when", "duration", "intensity", "parties", "label"],
            [[sh.name + ("" if sh.enabled else " (off)"), sh.type_name,
              s.date(sh.at) if sh.at is not None else f"hazard {describe(sh.hazard)}/month",
              describe(sh.duration), describe(sh.intensity), ", ".join(sh.parties()), sh.label]
             for sh in s.shocks])]
    out += ["", "DYNAMICS", _table(["parameter", "value", "meaning"],
                                   [[k, describe(v), PARAMETERS[k].meaning] for k, v in s.dynamics.items()])]
    return "\n".join(out)
