"""Events with authors (docs/MODEL.md, D1-D3): declared decisions, closures that cost their
author and are held against it, strikes that reopen them, summits that decisions bring, and
events.csv telling who did what, how, and on what state."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from helpers import ix, make_scenario, run
from sim.apps.cli import main

QUIET = {"noise": 0.0, "decision_temperature": 0.01, "switching_cost": 0.0}

# a at a strait b and c trade through; b presses a with sanctions; c is a's friend
ACTORS = {"a": {"military": 50.0, "resolve": 0.5, "trade_total": 70.0}, "b": {"military": 500.0, "resolve": 0.5},
          "c": {"military": 100.0}}
CORRIDORS = {"strait_lane": {"pairs": [["b", "c"], ["a", "world"]], "capacity": 1000.0, "transit_days": 10.0,
                             "chokepoints": ["strait"]}}


def _scen(tmp_path, shocks="", extra="", name="s.toml", **kw):
    return make_scenario(tmp_path, name, actors=ACTORS, relations={("a", "b"): -0.6, ("b", "a"): -0.6,
                                                                   ("a", "c"): 0.4, ("c", "a"): 0.4},
                         trade={("b", "c"): 40.0, ("a", "b"): 20.0}, corridors=CORRIDORS, shocks=shocks,
                         dynamics=QUIET, steps=8,
                         extra=extra, **kw)


CLOSE = """
[shocks.shut]
type = "corridor_closure"
corridor = "strait"
author = "a"
at = 3
duration = 3
"""


def test_an_authored_closure_is_held_against_its_author(tmp_path):
    """b and c lose their trade through the strait; both now fear a, and b's loss counts as
    pressure from a. Without an author the same closure is a loss from no one."""
    authored = _scen(tmp_path, CLOSE, name="authored.toml")
    anonymous = _scen(tmp_path, CLOSE.replace('author = "a"\n', ""), name="anon.toml")
    a, b, c = ix(authored, "a", "b", "c")
    with_author, without = run(authored), run(anonymous)
    np.testing.assert_allclose(with_author["trade"][0, 3:6, b, c], 0.0)          # the route is shut either way
    assert (with_author["threat"][0, 3, b, a] > without["threat"][0, 3, b, a] + 0.1)
    assert (with_author["threat"][0, 3, c, a] > without["threat"][0, 3, c, a] + 0.1)
    assert with_author["need"][0, 3, b] > 0
    # b's alignment toward a falls further when it knows whom to blame
    assert with_author["alignment"][0, 6, b, a] < without["alignment"][0, 6, b, a]


DECIDE_CLOSE = """
[decisions.a_shuts]
type = "corridor_closure"
author = "a"
corridor = "strait"
propensity = {propensity}
intensity = 0.8
duration = 2
"""
SQUEEZE = """
[shocks.squeeze]
type = "sanctions"
sender = "b"
target = "a"
at = 2
intensity = 0.6
duration = "open"
"""


def test_a_pressed_actor_decides_to_close_and_it_costs_it_its_own_trade(tmp_path):
    """b's sanctions press a; a, keen, decides to shut the strait b and c trade through, for the
    declared two months at a time, and loses its own trade with the world, which runs through it."""
    from sim.engine.ensemble import simulate
    from sim.model.compile import compile as compile_scenario
    keen = _scen(tmp_path, SQUEEZE, DECIDE_CLOSE.format(propensity=5.0), name="keen.toml")
    loath = _scen(tmp_path, SQUEEZE, DECIDE_CLOSE.format(propensity=-5.0), name="loath.toml")
    a, b, c = ix(keen, "a", "b", "c")
    record = ("decided", "trade", "trade_row", "need")
    k = simulate(compile_scenario(keen, 1, np.arange(1)), record=record)
    lo = simulate(compile_scenario(loath, 1, np.arange(1)), record=record)
    assert lo["decided"].max() == 0.0
    shut = np.flatnonzero(k["decided"][0, :, 0] > 0)
    assert shut.size and shut[0] > 2          # only once the sanctions press it
    t = shut[0]
    assert k["decided"][0, t, 0] == pytest.approx(0.8)
    assert k["trade"][0, t, b, c] < 0.25 * 40.0 + 1e-6          # 80% of the lane shut
    assert k["trade_row"][0, t, a] < 0.25 * 50.0 + 1e-6         # and a's own trade with the world (70 - 20)
    assert lo["trade"][0, t, b, c] == pytest.approx(40.0)


def test_declared_decisions_are_checked(tmp_path, capsys):
    bad = {
        "unknown author": (DECIDE_CLOSE.format(propensity=0.0).replace('author = "a"', 'author = "zz"'), "zz"),
        "cannot close": (DECIDE_CLOSE.format(propensity=0.0), "cannot close strait"),   # a has no route there
        "propensity out of range": (DECIDE_CLOSE.format(propensity=9.0), "propensity"),
        "unknown type": (DECIDE_CLOSE.format(propensity=0.0).replace("corridor_closure", "blockade"), "blockade"),
    }
    for what, (text, needle) in bad.items():
        path = tmp_path / f"{what.replace(' ', '_')}.toml"
        from helpers import scenario_toml
        path.write_text(scenario_toml(actors={"a": ACTORS["a"], "b": ACTORS["b"], "c": ACTORS["c"]},
                                      corridors={"lane": {"pairs": [["b", "c"]], "capacity": 10.0,
                                                          "transit_days": 5.0, "chokepoints": ["strait"]}},
                                      extra=text))
        assert main(["run", str(path), "--runs", "2", "--quiet", "--out", str(tmp_path / "o")]) == 2, what
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err and str(path.name) in err, (what, err)


def test_events_csv_names_authors_how_and_what_triggered_them(tmp_path):
    out = tmp_path / "pivot"
    assert main(["run", "june_war_pivot", "--runs", "30", "--seed", "3", "--out", str(out), "--quiet",
                 "--no-figures"]) == 0
    rows = list(csv.DictReader((out / "events.csv").open()))
    assert {"author", "how", "trigger"} <= set(rows[0])
    war = [r for r in rows if r["shock"] == "june_war"]
    assert len(war) == 30 and all(r["author"] == "israel" and r["how"] == "scheduled" for r in war)
    decided = [r for r in rows if r["how"] == "decided"]
    assert decided and all(r["author"] and r["trigger"].startswith("need of") for r in decided)
    # China's backing of Iran is its own decision now, not a scripted summit
    china = [r for r in decided if r["author"] == "china" and r["shock"].endswith("_china_iran")]
    assert china and all(r["type"].startswith("support:") for r in china)
    assert not any(r["shock"] in ("sco_tianjin", "oil_for_arms") for r in rows)


STRIKE = """
[decisions.b_strikes]
type = "strike"
author = "b"
target = "a"
propensity = 5.0
intensity = 0.5
duration = 1
"""


def test_a_decided_act_lasts_its_duration_and_a_closer_does_not_press_itself(tmp_path):
    """The month a closure is taken is its first of the declared two; the trade its author cuts for
    itself is need, but pressure from no one (least of all from itself)."""
    from sim.engine.ensemble import simulate
    from sim.model.compile import compile as compile_scenario
    keen = _scen(tmp_path, SQUEEZE, DECIDE_CLOSE.format(propensity=5.0), name="keen.toml")
    a, b = ix(keen, "a", "b")
    k = simulate(compile_scenario(keen, 1, np.arange(1)), record=("decided", "decided_left", "pressure", "need"))
    t = int(np.flatnonzero(k["decided"][0, :, 0] > 0)[0])
    assert k["decided_left"][0, t, 0] == 1.0 and k["decided_left"][0, t + 1, 0] == 0.0
    np.testing.assert_array_equal(k["pressure"][0, :, a, a], 0.0)
    assert k["pressure"][0, t, b, a] > 0 and k["need"][0, t, a] > 0


def test_strikes_decided_against_a_closer_reopen_its_closure(tmp_path):
    """b, whose trade runs through the strait, strikes a once a closes it; from the month after the
    strike, the closure is held at less than its declared intensity."""
    from sim.engine.ensemble import simulate
    from sim.model.compile import compile as compile_scenario
    alone = _scen(tmp_path, SQUEEZE, DECIDE_CLOSE.format(propensity=5.0), name="alone.toml")
    struck = _scen(tmp_path, SQUEEZE, DECIDE_CLOSE.format(propensity=5.0) + STRIKE, name="struck.toml")
    record = ("decided",)
    x = simulate(compile_scenario(alone, 1, np.arange(1)), record=record)["decided"][0]
    y = simulate(compile_scenario(struck, 1, np.arange(1)), record=record)["decided"][0]
    closed = np.flatnonzero(x[:, 0] > 0)
    assert closed.size and np.all(x[closed, 0] == pytest.approx(0.8))
    hit = np.flatnonzero(y[:, 1] > 0)
    assert hit.size, "b never struck"
    after = [t for t in range(hit[0] + 1, y.shape[0]) if y[t, 0] > 0]
    assert after and all(y[t, 0] < 0.8 - 1e-6 for t in after[:1]), (y[:, 0], y[:, 1])


def test_a_decided_strike_names_the_closures_it_answers_and_the_stake_in_them(tmp_path):
    """events.csv: a closure's trigger is its author's need (D1); a strike's, the target's closures in
    force that month and the author's stake in each route (its own share of trade through it, plus
    its friends' by last month's alignment), the values a strike's value reads (D2)."""
    from sim.engine.ensemble import events, simulate
    from sim.model.compile import compile as compile_scenario
    struck = _scen(tmp_path, SQUEEZE, DECIDE_CLOSE.format(propensity=5.0) + STRIKE, name="struck.toml")
    a, b, c_ = ix(struck, "a", "b", "c")
    c = compile_scenario(struck, 1, np.arange(1))
    arrays = simulate(c, record=("alignment", "need", "support", "act", "decided"))
    rows = [e for e in events(c, arrays) if e.how == "decided" and e.type.startswith("decision:")]
    closes = [e for e in rows if e.type == "decision:corridor_closure"]
    strikes = [e for e in rows if e.type == "decision:strike"]
    assert closes and strikes
    assert all(e.trigger.startswith("need of a ") for e in closes)
    s = strikes[0]
    t = s.step
    q = struck.context().closable.index("strait")
    loss = c.static.choke_loss[q, :, 0]
    A = arrays["alignment"][0, t - 1].astype(float)
    stake = loss[b] + (max(A[b, a], 0.0) * loss[a] + max(A[b, c_], 0.0) * loss[c_]) / 2
    assert loss[b] > 0.1 and s.author == "b"
    assert s.trigger == f"a closes strait at {arrays['decided'][0, t, 0]:.2f}, b's stake {stake:.4f}"


def test_a_closure_alarms_the_friends_of_those_it_hurts_and_every_buyer_on_the_world_market(tmp_path):
    """T1: a's closure of the strait cuts b's trade with c and a's own trade with the world. d trades
    nothing through the strait, yet its threat perception of a rises, by closure_alarm x the level x
    d's stake: its friend b's loss and its friend c's (each by d's alignment, over N - 1), and the
    rest of the world's loss passed on to d's trade with the world market. a's loss to its own
    closure is left out: d is a's friend too, and a closer does not threaten itself. Without an
    author, nobody's threat moves."""
    from sim.engine.ensemble import simulate
    from sim.model.compile import compile as compile_scenario
    actors = {**ACTORS, "d": {"military": 100.0, "trade_total": 40.0}}
    relations = {("a", "b"): -0.6, ("b", "a"): -0.6, ("a", "c"): 0.4, ("c", "a"): 0.4,
                 ("d", "b"): 0.8, ("d", "c"): 0.5, ("d", "a"): 0.3}
    world = '[world]\ntrade = 2000.0\n'

    def scen(shocks, name):
        return make_scenario(tmp_path, name, actors=actors, relations=relations,
                             trade={("b", "c"): 40.0, ("a", "b"): 20.0, ("c", "d"): 10.0}, corridors=CORRIDORS,
                             shocks=shocks, dynamics=QUIET, steps=5, extra=world)

    authored, anonymous = scen(CLOSE, "authored.toml"), scen(CLOSE.replace('author = "a"\n', ""), "anon.toml")
    a, b, c, d = ix(authored, "a", "b", "c", "d")
    compiled = compile_scenario(authored, 1, np.arange(1))
    k = compiled.static
    with_author = simulate(compiled, record=("threat", "alignment"))
    without = simulate(compile_scenario(anonymous, 1, np.arange(1)), record=("threat", "alignment"))
    q = authored.context().closable.index("strait")
    loss = k.choke_loss[q, :, 0]
    assert loss[d] == 0.0 and loss[a] > 0.1 and loss[b] > 0.1 and loss[c] > 0.1   # d has no trade through it
    world_loss = k.choke_world[q, 0]
    assert world_loss > 0.0                             # a's trade with the world passes the strait
    A = with_author["alignment"][0, 2].astype(float)    # last month's alignment, which the stake reads
    stake = (max(A[d, b], 0.0) * loss[b] + max(A[d, c], 0.0) * loss[c]) / 3.0
    market = k.volume_row[d, 0] / k.trade_total[d, 0] * world_loss
    # the two runs agree up to the month before the closure, so the month's difference is its alarm
    np.testing.assert_array_equal(with_author["threat"][0, :3], without["threat"][0, :3])
    rise = float(with_author["threat"][0, 3, d, a]) - float(without["threat"][0, 3, d, a])
    assert stake > 0.05 and market > 0.005
    # the closure's level is 1 (intensity default), closure_alarm 1.0 (default); recorded in float32
    assert rise == pytest.approx(stake + market, rel=1e-5)
    # counting only d's own loss (0), as T1 did before, would leave it unmoved
    assert rise > 0.05
    # nor is it the anonymous closure's: its threat of a is where it would be with no closure at all
    assert without["threat"][0, 3, d, a] <= without["threat"][0, 2, d, a]
