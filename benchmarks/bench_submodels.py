"""Where a month of the kernel goes: each submodel of `sim.model.kernel.month` timed alone, in CPU
time per run-step, on the state of one month (the state the ensemble reaches there, noise off).

    python3 benchmarks/bench_submodels.py                                # june_war_pivot, 256 runs, month 21
    python3 benchmarks/bench_submodels.py wider_region_june_war 256 21   # any scenario file or name, runs, month

Run from the repository's root folder. CPU time (time.process_time), because this machine's wall
times stretch under other load; the sum of the parts is a little above `month` (each part is one
more compiled call). Results in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from sim import scenario
from sim.model import decisions, events, interests, kernel, trade
from sim.model import simulate as sm
from sim.model.compile import compile
from sim.model.state import ECONOMIC


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "june_war_pivot"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    month = int(sys.argv[3]) if len(sys.argv) > 3 else 21
    path = Path(name) if name.endswith(".toml") else Path("scenarios") / f"{name}.toml"
    scen = scenario.load(path)
    c = compile(scen, 1, np.arange(runs), scen.steps)
    k, s = c.static, c.initial
    quiet = np.zeros(s.alignment.shape)
    for t in range(1, month):
        s = sm.step(s, k, c.forcing(t), t, quiet)
    f = c.forcing(month)
    x, out, w, r = sm.scratch(k), sm.empty_state(k), k.w, runs
    kernel.month(s, k, f, quiet, month, 0, r, x, out)   # fills out and x as the month leaves them
    parts = {
        "declared decisions": lambda: events.declared(s, k, f, 0, r, x, out),
        "threat": lambda: kernel.threat(s, f, x, k, 0, r, x.acc[0], x.acc[1], out.threat),
        "military": lambda: kernel.military(s, f, x.conflict, k.military0, w, 0, r, x.acc[0], x.acc[1], out.military),
        "sanctions": lambda: kernel.sanctions(s, out.threat, f, k, 0, r, x.sum_a, out.sanctions, out.secondary),
        "trade": lambda: trade.trade(out.sanctions, out.secondary, s.economic_support, s.act[ECONOMIC], x.closure,
                                     month, k, 0, r, x, out.trade, out.trade_row),
        "dependence": lambda: trade.dependence(out.trade, out.trade_row, 0, r, x.acc[0], x.dependence),
        "need and pressure": lambda: kernel.need_and_pressure(x, out.sanctions, out.secondary, s.adapted, k, 0, r,
                                                              x.acc, out.pressure, out.need, out.adapted),
        "coverage": lambda: decisions.coverage(s.act, k.reliability, 0, r, x.coverage, x.covered),
        "pressurers": lambda: interests.pressurers(out.pressure, k.salience, s.positions, s.alignment, 0, r,
                                                   x.acc[0], x.share, x.weight, x.demand, x.willing),
        "support decisions": lambda: decisions.decide(s, k, out, x, 0, r),
        "summits": lambda: events.summits(s.act, out.act, out.need, w, 0, r, x.diplomacy),
        "resistance": lambda: interests.resistance(out.military, x.coverage, x.share, 0, r, x.acc[0], x.resistance),
        "positions": lambda: interests.move_positions(s.positions, out.need, x.covered, x.willing, x.weight,
                                                      x.demand, x.resistance, out.support, k.salience, f.shift, w,
                                                      0, r, out.positions),
        "outcomes": lambda: interests.outcomes(out.positions, k.salience, out.military, k.econ_share, 0, r,
                                               x.acc[0], x.acc[1], x.acc[2], out.outcome),
        "similarity": lambda: interests.similarity(out.positions, k.salience, 0, r, x.similarity),
        "expectation": lambda: kernel.expectation(s.expectation, out.support, out.need, x.diplomacy,
                                                  k.expectation0, w, 0, r, x.gap, out.expectation),
        "alignment drive": lambda: kernel.drive(s.alignment, out.threat, out.expectation, out.sanctions,
                                                out.secondary, x.dependence, x.similarity, k.expectation0,
                                                k.trade_share, w, 0, r, x.acc[0], x.sum_a, x.sum_b, x.acc[3],
                                                x.drive),
        "update": lambda: kernel.update(s.alignment, x.drive, k.affinity, x.gap, x.diplomacy, quiet, w, 0, r,
                                        out.alignment),
    }
    n_calls = max(5, int(20_000 // (runs * len(scen.actor_ids) ** 2 / 25)))
    total = 0.0
    print(f"{scen.name}: {len(scen.actor_ids)} actors, {runs} runs, the state of month {month} "
          f"({scen.date(month)}); CPU us per run-step, {n_calls} calls each")
    for label, call in [*parts.items(), ("the whole month (kernel.month)",
                                         lambda: kernel.month(s, k, f, quiet, month, 0, r, x, out))]:
        call()
        t = time.process_time()
        for _ in range(n_calls):
            call()
        us = (time.process_time() - t) / n_calls / runs * 1e6
        if label in parts:
            total += us
        print(f"  {label:32s} {us:8.3f}")
    print(f"  {'sum of the parts':32s} {total:8.3f}")


if __name__ == "__main__":
    main()
