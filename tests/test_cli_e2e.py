"""End to end: `alignsim run` on the flagship writes every output; plot redraws identically."""

import csv
import json

import numpy as np
import pytest

from sim.apps.cli import main


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "pivot"
    assert main(["run", "june_war_pivot", "--runs", "60", "--seed", "5", "--out", str(out), "--quiet",
                 "--all-figures"]) == 0
    return out


def test_outputs(result):
    man = json.loads((result / "manifest.json").read_text())
    assert man["complete"] and man["seed"] == 5 and man["runs"] == 60
    assert man["scenario"]["resolved"]["actors"]["iran"]["name"] == "Iran"
    assert man["versions"]["numpy"] and man["versions"]["mesa"]
    with np.load(result / "ensemble.npz") as z:
        a = z["alignment"]
        assert a.dtype == np.float32 and a.shape == (60, 49, 5, 5)
        assert list(z["actors"]) == ["iran", "china", "russia", "us", "israel"]
        assert np.all(np.abs(a) <= 1) and np.isfinite(a).all()
    rows = list(csv.DictReader((result / "quantiles.csv").open()))
    assert len(rows) == 49 * 30
    r = next(r for r in rows if r["date"] == "2025-07" and r["from"] == "iran" and r["to"] == "china"
             and r["measure"] == "mutual")
    assert float(r["q05"]) <= float(r["q50"]) <= float(r["q95"])
    events = list(csv.DictReader((result / "events.csv").open()))
    assert sum(e["shock"] == "june_war" for e in events) == 60      # scheduled, probability 1
    assert all(e["date"] == "2025-06" for e in events if e["shock"] == "june_war")
    for f in ("fan_chart", "final_heatmap", "coalition_network", "balance_fan"):
        assert (result / "figures" / f"{f}.png").stat().st_size > 1000
        assert not (result / "figures" / f"{f}.svg").exists()      # SVG only with --formats


def test_plot_redraws_identical_figures(result, capsys):
    before = (result / "figures" / "fan_chart.png").read_bytes()
    assert main(["plot", str(result)]) == 0
    assert (result / "figures" / "fan_chart.png").read_bytes() == before


def test_same_seed_same_numbers_and_set_changes_them(result, tmp_path):
    again, tweaked = tmp_path / "again", tmp_path / "tweaked"
    main(["run", "june_war_pivot", "--runs", "60", "--seed", "5", "--out", str(again), "--quiet", "--no-figures"])
    main(["run", "june_war_pivot", "--runs", "60", "--seed", "5", "--out", str(tweaked), "--quiet", "--no-figures",
          "--set", "actors.china.reliability=0.95"])
    with np.load(result / "ensemble.npz") as a, np.load(again / "ensemble.npz") as b, \
            np.load(tweaked / "ensemble.npz") as c:
        assert np.array_equal(a["alignment"], b["alignment"])
        assert not np.array_equal(a["alignment"], c["alignment"])


def test_list_show_and_help(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("baseline_2024", "june_war_pivot", "hormuz_closure", "malacca_disruption",
                 "russia_delivers", "us_iran_deal", "renewed_strikes"):
        assert name in out and "invalid" not in out
    assert main(["show", "june_war_pivot"]) == 0
    assert "sanctions_risk_tolerance" in capsys.readouterr().out
    assert main(["show", "june_war_pivot", "--keys"]) == 0
    assert "actors.china.resolve" in [ln.split()[0] for ln in capsys.readouterr().out.splitlines()]
    for cmd in ("run", "list", "show", "plot", "landscape", "validate"):
        with pytest.raises(SystemExit) as ex:
            main([cmd, "--help"])
        assert ex.value.code == 0
