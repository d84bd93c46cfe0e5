"""`alignsim validate`: the stylized facts (sim.apps.checks) and the counterfactual table
(sim.apps.counterfactuals) of docs/VALIDATION.md, measured on paired ensembles.

Every threshold and expected direction was written down, with its reason, before it was measured;
when a check fails, the model is changed for a stated reason, never the threshold.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from sim.apps import checks as ck
from sim.apps import counterfactuals as cf

DEFAULT_SEED = 20250613
DEFAULT_RUNS = 500
ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SHIFT_AT = "2025-01"


def run_flagships(seed: int = DEFAULT_SEED, runs: int = DEFAULT_RUNS):
    """The paired baseline and pivot ensembles."""
    from sim import scenario
    from sim.engine.ensemble import run_ensemble
    base = run_ensemble(scenario.load(SCENARIOS / "baseline_2024.toml"), runs=runs, seed=seed)
    pivot = run_ensemble(scenario.load(SCENARIOS / "june_war_pivot.toml"), runs=runs, seed=seed)
    return base, pivot


def shifted_baseline():
    """The root baseline with a scripted change of Iran's policy in 2025-01: each of Iran's positions
    moves halfway toward the US's. Returns the scenario and the change of Iran's similarity with
    every other actor (salience-weighted, through Iran's salience) that the shift makes."""
    from sim import scenario
    from sim.scenario.distribution import nominal
    path = SCENARIOS / "baseline_2024.toml"
    base = scenario.load(path)
    actors = {a.id: a for a in base.actors}
    iran, us = actors["iran"], actors["us"]
    shift = {k: 0.5 * (nominal(us.positions[k]) - nominal(iran.positions[k])) for k in base.issues}
    data = copy.deepcopy(base.resolved)
    data.setdefault("shocks", {})["iran_policy_change"] = {
        "type": "position_change", "actor": "iran", "at": SHIFT_AT, "shift": shift,
        "label": "Iran's positions move halfway toward the US's"}
    shifted = scenario.validate(data, path)
    shifted = type(shifted)(**{**shifted.__dict__, "reference": base})
    sal = np.array([nominal(iran.salience[k]) for k in base.issues])
    sal = sal / sal.sum()
    p0 = {a: np.array([nominal(actors[a].positions[k]) for k in base.issues]) for a in actors}
    p1 = p0["iran"] + np.array([shift[k] for k in base.issues])
    change = {a: float(sal @ np.abs(p0["iran"] - p0[a]) - sal @ np.abs(p1 - p0[a])) for a in actors if a != "iran"}
    return shifted, change


def validate(seed: int = DEFAULT_SEED, runs: int = DEFAULT_RUNS):
    """Every check and every counterfactual row: (checks, rows)."""
    from sim.engine.ensemble import run_ensemble
    base, pivot = run_flagships(seed, runs)
    shifted, change = shifted_baseline()
    moved = run_ensemble(shifted, runs=runs, seed=seed)
    checks = [ck.check_a(base, pivot, "2028-01", "a"), ck.check_a(base, pivot, "2026-01", "a26"),
              ck.check_b(base, pivot), ck.check_c(base, pivot), ck.check_d(base, pivot),
              ck.check_e(base, moved, change)]
    return checks, cf.run_rows(SCENARIOS, runs, seed)


def validate_main(seed: int = DEFAULT_SEED, runs: int = DEFAULT_RUNS) -> int:
    """Print each check and the counterfactual table; return 0 if everything holds, else 1."""
    checks, rows = validate(seed, runs)
    print(f"alignsim validate: paired ensembles of {runs} runs, seed {seed} "
          f"(thresholds, directions and reasons: docs/VALIDATION.md)")
    for c in checks:
        print(f"{'PASS' if c.passed else 'FAIL'}  ({c.key}) {c.statement}")
        print(f"      measured: {c.measured}")
    print("counterfactuals (paired difference against june_war_pivot unless named, 95% CI):")
    for line in cf.table_lines(rows):
        print(f"  {line}")
    failed = [c.key for c in checks if not c.passed] + [f"{r.row.label} {'->'.join(r.row.pair)}"
                                                           for r in rows if not r.passed]
    total = len(checks) + len(rows)
    print(f"{total - len(failed)}/{total} hold" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 0 if not failed else 1
