"""What the quick commands load (issue 15): parsing arguments, `list` and `show` import neither
matplotlib nor numba nor scipy, and the figures a run draws in its worker process are the
figures drawn in process. How long they take is measured in benchmarks/, not here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from helpers import ROOT
from sim.apps.cli import main

HEAVY = ("matplotlib", "numba", "scipy", "mesa", "solara", "tqdm")


def _loaded_after(code: str) -> set[str]:
    """The heavy top-level modules a fresh interpreter holds after running `code`."""
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return set(res.stdout.splitlines()[-1].split()) & set(HEAVY)


def test_parsing_arguments_loads_nothing_heavy():
    code = ("from sim.apps.cli import build_parser\n"
            "build_parser().parse_args(['run', 'june_war_pivot', '--formats', 'png,svg'])\n"
            "build_parser().parse_args(['experiment', 'x.toml', '--scale', '0.1'])")
    assert _loaded_after(code) == set()


def test_list_and_show_load_neither_numba_nor_scipy_nor_matplotlib():
    code = ("import contextlib, io\nfrom sim.apps.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['list']) == 0\n    assert main(['show', 'june_war_pivot']) == 0")
    assert _loaded_after(code) == set()


def test_figure_workers_load_no_compiled_code():
    """The figure workers read the saved tables: matplotlib, but not numba or scipy."""
    loaded = _loaded_after("import sim.apps.figure_worker\nfrom sim.figures.run import draw_figures\n"
                           "from sim.figures.analysis import draw_analysis_figures")
    assert loaded == {"matplotlib"}


def test_the_workers_draw_what_plot_draws(tmp_path, monkeypatch):
    """`alignsim run` draws its figures in worker processes when cores are spare; `alignsim
    plot`, in process, redraws the same bytes. Both shares (two workers) and one worker."""
    from sim.apps import figure_worker
    out = tmp_path / "run"
    assert main(["run", "june_war_pivot", "--runs", "12", "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert main(["plot", str(out), "--all-figures"]) == 0
    expected = {p.name: p.read_bytes() for p in (out / "figures").iterdir()}
    assert sorted(expected) == ["balance_fan.png", "coalition_network.png", "fan_chart.png", "final_heatmap.png"]
    for spare in (2, 1):
        shutil.rmtree(out / "figures")
        monkeypatch.setattr(figure_worker, "spare_cores", lambda spare=spare: spare)
        worker = figure_worker.FigureWorker()
        try:
            assert len(worker.procs) == spare
            told = []
            paths = worker.draw(out, ("png",), every=True, progress=told.append)
        finally:
            worker.close()
        assert [p.name for p in paths] == ["fan_chart.png", "final_heatmap.png", "balance_fan.png",
                                           "coalition_network.png"]
        assert "fan chart" in told
        assert {p.name: p.read_bytes() for p in paths} == expected


def test_a_fresh_run_announces_its_figures(tmp_path):
    """The whole command in a fresh process, worker or not (that depends on spare cores)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, "-m", "sim", "run", "june_war_pivot", "--runs", "12", "--out",
                          str(tmp_path / "run")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "drawing figures: fan chart" in res.stderr
    assert (tmp_path / "run" / "figures" / "fan_chart.png").stat().st_size > 5000
