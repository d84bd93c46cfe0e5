"""The Mesa model is a view of one run: it must reproduce ensemble run r exactly."""

import numpy as np
import pytest

from sim import scenario
from sim.engine.ensemble import run_ensemble
from sim.model.agents import AlignmentModel
from sim.model.compile import compile
from sim.engine.ensemble import simulate


@pytest.fixture(scope="module")
def pivot():
    return scenario.load("scenarios/june_war_pivot.toml")


def test_mesa_run_matches_ensemble_run(pivot):
    ens = run_ensemble(pivot, runs=24, seed=11, chunk_size=10)
    for run in (0, 13, 23):
        m = AlignmentModel(pivot, seed=11, run=run)
        while m.running:
            m.step()
        traj = m.trajectory()
        assert traj.shape == ens.alignment[run].shape
        # same float64 numbers, stored as float32 by the ensemble
        assert np.array_equal(traj.astype(np.float32), ens.alignment[run])
        assert m.t == pivot.steps


def test_single_run_compile_is_bit_identical_in_float64(pivot):
    alone = simulate(compile(pivot, 3, [7]))
    batch = simulate(compile(pivot, 3, np.arange(5, 12)))
    for k in alone:
        assert np.array_equal(alone[k][0], batch[k][2]), k


def test_agents_report_actions_and_shocks(pivot):
    m = AlignmentModel(pivot, seed=1, run=0)
    war = pivot.date(0)
    fired = []
    while m.running:
        m.step()
        fired += m.fired
    assert "June 2025 Israel-Iran war" in fired
    us = next(a for a in m.actors if a.actor_id == "us")
    assert any("sanctions Iran" in act for act in us.actions())
    df = m.datacollector.get_agent_vars_dataframe()
    assert set(df["actor"]) == set(pivot.actor_ids)
    assert war == "2024-01"
