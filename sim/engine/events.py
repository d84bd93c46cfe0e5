"""The events of a chunk of runs, for events.csv: every scheduled shock's onset, and every event an
actor decided (a kind of support it starts giving a partner, a declared decision it takes), each
with its author, how it came about, and the state values that triggered it.

Decided events are read off the recorded decisions (`act`, `decided`) after the run, so they cost
the simulation nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.model.events import stakes as route_stakes
from sim.model.state import KINDS

# the actor a scheduled shock is the act of, by type (the first of these fields it has)
AUTHOR_FIELDS = ("author", "attacker", "sender", "supplier")
DECIDED_LABELS = {"diplomatic": "{a} backs {b} diplomatically (a summit)", "economic": "{a} opens an economic lifeline to {b}",
                  "arms": "{a} arms {b}", "military": "{a} fights for {b}"}


class Event(NamedTuple):
    """One row of events.csv (without the date, which the result folder adds)."""
    run: int
    step: int
    name: str
    type: str
    intensity: float
    author: str
    how: str          # "scheduled" or "decided"
    trigger: str      # the state values that triggered a decided event
    label: str


def scheduled(c) -> list[Event]:
    """The onsets of the compiled scenario's scheduled shocks."""
    rows = []
    for sch in c.schedules:
        shock = sch.shock
        author = next((shock.spec[f] for f in AUTHOR_FIELDS if isinstance(shock.spec.get(f), str)), "")
        for r, t in zip(*np.nonzero(sch.onset)):
            rows.append(Event(int(c.runs[r]), int(t), shock.name, shock.type_name, float(sch.active[r, t]), author,
                              "scheduled", "", shock.label))
    return rows


def decided(c, arrays: dict) -> list[Event]:
    """The decided events: a kind of support an actor starts giving a partner in need (a 0 -> 1
    change of its decision while the partner is in need), and a declared decision it takes."""
    scen = c.scenario
    ids, names = list(scen.actor_ids), scen.display
    rows = []
    act, need, align = arrays.get("act"), arrays.get("need"), arrays.get("alignment")
    if act is not None:
        started = (act[:, 1:] > act[:, :-1]) & (need[:, 1:, None, None, :] > 0)   # (R, T, kinds, N, N)
        r, t, q, i, j = np.nonzero(started)
        # the values gathered at once and as Python floats: numpy scalars one by one cost most of
        # the time of a chunk's events (the same numbers: float32 to float is exact)
        runs = c.runs[r].tolist()
        support = arrays["support"][r, t + 1, i, j].tolist()
        need_b, align_ab = need[r, t + 1, j].tolist(), align[r, t, i, j].tolist()
        for k, (t, q, i, j) in enumerate(zip(t.tolist(), q.tolist(), i.tolist(), j.tolist())):
            a, b = ids[i], ids[j]
            rows.append(Event(runs[k], t + 1, f"{KINDS[q]}_{a}_{b}", f"support:{KINDS[q]}", support[k], a,
                              "decided", f"need of {b} {need_b[k]:.3f}; alignment {a}->{b} {align_ab[k]:+.3f}",
                              DECIDED_LABELS[KINDS[q]].format(a=names[a], b=names[b])))
    decs = [d for d in scen.decisions if d.enabled]
    level = arrays.get("decided")
    if level is not None and decs:
        began = (level[:, 1:] > 0) & (level[:, :-1] == 0)                             # (R, T, D)
        closable = list(scen.context().closable)
        loss = c.static.choke_loss                                                    # (Q, N, R)
        for r, t, d in zip(*np.nonzero(began)):
            dec = decs[d]
            a = ids.index(dec.author)
            target = dec.spec.get("target")
            if target is None:   # a closure coerces by its author's need (D1)
                why = f"need of {dec.author} {need[r, t, a]:.3f}"
            else:                # a strike answers the target's closures by the author's stake in them (D2)
                why = "; ".join(f"{target} closes {route} at {lv:.2f}, {dec.author}'s stake {stake:.4f}"
                                for route, lv, stake in _closures_by(c, decs, level, target, r, t + 1, closable,
                                                                     loss, align[r, t], a)) or f"no closure by {target}"
            rows.append(Event(int(c.runs[r]), int(t) + 1, dec.name, f"decision:{dec.type_name}",
                              float(level[r, t + 1, d]), dec.author, "decided", why, dec.label))
    return rows


def _closures_by(c, decs, level, target, r, t, closable, loss, align, a):
    """(route, level, stake) of each closure by `target` in force at step t of run r (scheduled or
    decided), with the author a's stake in the route from last month's alignment (align: N x N),
    computed by the rule a strike's value reads (sim.model.events.stakes)."""
    found = [(sch.shock.spec["corridor"], float(sch.active[r, t])) for sch in c.schedules
             if sch.shock.type_name == "corridor_closure" and sch.shock.spec.get("author") == target
             and sch.active[r, t] > 0]
    found += [(d.spec["corridor"], float(level[r, t, k])) for k, d in enumerate(decs)
              if d.spec.get("corridor") is not None and d.author == target and level[r, t, k] > 0]
    if not found:
        return []
    n_q, n = loss.shape[0], align.shape[0]
    stake = np.empty((n_q, n, 1))
    route_stakes(np.ascontiguousarray(align, dtype=np.float64)[:, :, None], np.ascontiguousarray(loss[:, :, r:r + 1]),
                 np.ones((n_q, n), np.bool_), 0, 1, stake)
    return [(route, lv, float(stake[closable.index(route), a, 0])) for route, lv in found]


def chunk_events(c, arrays: dict) -> list[Event]:
    """Every event of a chunk, by run, step and name."""
    return sorted(scheduled(c) + decided(c, arrays), key=lambda e: (e.run, e.step, e.name))
