"""The ensemble engine at scale: the same bits whatever the chunking, workers or backend;
resume after interruption; common random numbers; bounded memory."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_same_results
from sim.engine import executor as ex
from sim import scenario
from sim.apps.cli import main
from sim.engine.ensemble import ChunkFn, Job, run_ensemble

RUNS, STEPS = 64, 20
BASE = ["run", "june_war_pivot", "--runs", str(RUNS), "--steps", str(STEPS), "--seed", "9", "--quiet",
        "--no-figures"]


TABLES = ("quantiles.csv", "final.csv", "events.csv", "coalitions.csv", "balance.csv")


def assert_identical(a: Path, b: Path) -> None:
    assert_same_results(a, b, TABLES)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "all"
    assert main([*BASE, "--out", str(out), "--chunk-size", str(RUNS), "--backend", "inprocess"]) == 0
    return out


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunk_size_does_not_change_results(reference, tmp_path, chunk):
    out = tmp_path / f"c{chunk}"
    assert main([*BASE, "--out", str(out), "--chunk-size", str(chunk), "--backend", "inprocess"]) == 0
    assert_identical(reference, out)


def test_two_worker_processes_give_the_same_bits(reference, tmp_path):
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        assert main([*BASE, "--out", str(out), "--chunk-size", "9", "--backend", "processes",
                     "--workers", workers]) == 0
        assert_identical(reference, out)


def test_dask_local_cluster_gives_the_same_bits(reference, tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "dask"
    assert main([*BASE, "--out", str(out), "--chunk-size", "16", "--backend", "dask", "--workers", "2"]) == 0
    assert_identical(reference, out)
    man = json.loads((out / "manifest.json").read_text())
    assert man["timings"]["backend"] == "dask"


def test_dask_worker_death_is_retried_with_identical_results(tmp_path):
    pytest.importorskip("dask.distributed")
    scen = scenario.load("scenarios/june_war_pivot.toml")
    job = Job(scen, 4, 40, 12, 4, "full", None, None)
    want = run_ensemble(scen, 40, 4, steps=12, chunk_size=40).alignment
    d = ex.Dask(2)
    try:
        got, killed = {}, False
        for index, res in d.imap(ChunkFn(job), range(job.n_chunks)):
            got[index] = res.arrays["alignment"]
            if not killed:   # kill a worker process while other chunks are in flight
                victim = next(iter(d.client.scheduler_info()["workers"]))
                pid = d.client.run(os.getpid, workers=[victim])[victim]
                os.kill(pid, signal.SIGKILL)
                killed = True
        assert killed and sorted(got) == list(range(job.n_chunks))
        assert np.array_equal(np.concatenate([got[i] for i in range(job.n_chunks)]), want)
    finally:
        d.close()


def test_resume_after_interruption_is_identical(reference, tmp_path, monkeypatch):
    from sim.engine import folder as store
    out = tmp_path / "interrupted"
    real_save, calls = store.save_chunk, []

    def flaky(chunks, res, tag):   # Ctrl-C arrives while the fourth chunk is being saved
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(res.index)
        real_save(chunks, res, tag)
    monkeypatch.setattr(store, "save_chunk", flaky)
    assert main([*BASE, "--out", str(out), "--chunk-size", "8", "--backend", "inprocess"]) == 130
    man = json.loads((out / "manifest.json").read_text())
    assert man["complete"] is False and len(list((out / "chunks").glob("c*"))) == 3
    monkeypatch.setattr(store, "save_chunk", real_save)
    assert main([*BASE, "--resume", str(out), "--chunk-size", "8"]) == 0
    assert json.loads((out / "manifest.json").read_text())["complete"] is True
    assert_identical(reference, out)


def test_resume_after_a_killed_process(reference, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", *BASE, "--out", str(out), "--chunk-size", "2", "--backend", "inprocess"]
    proc = subprocess.Popen(cmd, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "chunks").glob("c*"))) < 4:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if (out / "manifest.json").exists() and json.loads((out / "manifest.json").read_text()).get("complete"):
        pytest.skip("the run finished before it could be killed")
    assert main([*BASE, "--resume", str(out), "--chunk-size", "2"]) == 0
    assert_identical(reference, out)


def test_resume_with_other_options_names_the_difference(tmp_path, monkeypatch, capsys):
    from sim.engine import folder as store
    out = tmp_path / "x"
    monkeypatch.setattr(store.ResultFolder, "save", lambda self, res: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main([*BASE, "--out", str(out), "--chunk-size", "8"]) == 130
    capsys.readouterr()
    rc = main([*BASE[:-4], "--seed", "10", "--quiet", "--no-figures", "--resume", str(out), "--chunk-size", "8"])
    err = capsys.readouterr().err
    assert rc == 2 and "seed 9 in the manifest, 10 now" in err and len(err.strip().splitlines()) == 1


def test_common_random_numbers_shrink_paired_variance():
    base = scenario.load("scenarios/june_war_pivot.toml")
    tweak = scenario.load("scenarios/june_war_pivot.toml", ["actors.china.reliability=0.62"])
    a = run_ensemble(base, 400, 1, steps=24).alignment[:, -1, 0, 1].astype(float)
    b_same = run_ensemble(tweak, 400, 1, steps=24).alignment[:, -1, 0, 1].astype(float)
    b_other = run_ensemble(tweak, 400, 2, steps=24).alignment[:, -1, 0, 1].astype(float)
    paired, independent = np.var(b_same - a), np.var(b_other - a)
    # pairing removes the noise both variants share, not the spread of the effect itself: China's
    # reliability matters only in runs where China decided to back Iran (a discrete choice), so
    # the paired variance is that spread (about a fifth of the unpaired one at 400 runs)
    assert paired < independent / 3, (paired, independent)


def test_memory_stays_bounded_by_chunks_in_flight(tmp_path):
    from sim.engine.folder import ResultFolder, run_job
    scen = scenario.load("scenarios/june_war_pivot.toml")
    job = Job(scen, 3, 60, 6, 2, "summary", None, None)
    folder = ResultFolder(tmp_path / "m", job, {"actors": list(scen.actor_ids)})
    pool = ex.Processes(2)
    try:
        run_job(job, folder, pool)
    finally:
        pool.close()
    assert len(folder.done()) == job.n_chunks == 30
    assert pool.max_in_flight <= 4   # 2 x workers, whatever the number of chunks


def test_summary_mode_quantiles_are_within_the_stated_bound(tmp_path):
    full, summ = tmp_path / "f", tmp_path / "s"
    args = ["run", "june_war_pivot", "--runs", "300", "--steps", "12", "--quiet", "--no-figures", "--no-analysis"]
    assert main([*args, "--out", str(full), "--keep", "full"]) == 0
    assert main([*args, "--out", str(summ), "--keep", "summary"]) == 0
    assert not (summ / "ensemble.npz").exists()
    import csv
    a = list(csv.DictReader((full / "quantiles.csv").open()))
    b = list(csv.DictReader((summ / "quantiles.csv").open()))
    with np.load(full / "ensemble.npz") as z:
        al = z["alignment"].astype(float)
    # the histogram quantile is the bin of the ceil(q n)-th run: within half a bin (0.0005)
    ids = ["iran", "china", "russia", "us", "israel"]
    for ra, rb in zip(a, b):
        assert (ra["step"], ra["from"], ra["to"], ra["measure"]) == (rb["step"], rb["from"], rb["to"], rb["measure"])
        if ra["measure"] == "directed":
            v = al[:, int(ra["step"]), ids.index(ra["from"]), ids.index(ra["to"])]
            want = np.quantile(v, 0.5, method="inverted_cdf")
            assert abs(float(rb["q50"]) - want) <= 0.0005 + 1e-6
        assert abs(float(ra["mean"]) - float(rb["mean"])) < 1e-9
    assert (full / "final.csv").read_text().splitlines()[1].split(",")[3:] == \
        (summ / "final.csv").read_text().splitlines()[1].split(",")[3:]


def test_run_gets_the_same_bits_in_any_lane_block_or_remainder():
    """The kernels work on blocks of runs (simulate.block_size) and vectorize
    across runs; run r must not notice whether it sat in a vector lane, the scalar remainder or
    another block. Every float64 state variable after 6 months, for slices that straddle a block
    boundary, start mid-vector or hold a single run, against one batch of two blocks and a remainder."""
    from sim.model.compile import compile
    from sim.model.simulate import block_size, step
    from sim.model.state import State, fields, runs_first

    scen = scenario.load("scenarios/june_war_pivot.toml", ["shocks.background_clash.hazard=0.3"])
    b = block_size(len(scen.actors))

    def run(lo, hi):
        c = compile(scen, 5, np.arange(lo, hi), 6)
        s = c.initial
        for t in range(1, 7):
            s = step(s, c.static, c.forcing(t), t, c.noise(t))
        return s

    total = 2 * b + 37
    whole = run(0, total)
    for lo, hi in [(0, 1), (5, 12), (b - 10, b + 10), (b - 1, b + 1), (2 * b - 3, total), (total - 1, total)]:
        part = run(lo, hi)
        for name in fields(State):
            assert np.array_equal(runs_first(getattr(part, name)), runs_first(getattr(whole, name))[lo:hi]), \
                (name, lo, hi)


def test_the_chunk_loop_is_the_month_step_repeated():
    """simulate takes each block of runs through every month in one compiled call, with the
    forcing in compact form and the noise drawn inside; it must give exactly what calling
    simulate.step month by month gives (every recorded variable, several blocks)."""
    from sim.engine.ensemble import simulate
    from sim.model.compile import compile
    from sim.model.simulate import block_size, step
    from sim.model.state import State, fields, runs_first

    scen = scenario.load("scenarios/june_war_pivot.toml", ["shocks.background_clash.hazard=0.3"])
    runs, steps = 2 * block_size(len(scen.actors)) + 21, 14
    c = compile(scen, 11, np.arange(runs), steps)
    got = simulate(c, record=tuple(fields(State)))
    s = c.initial
    for t in range(steps + 1):
        if t:
            s = step(s, c.static, c.forcing(t), t, c.noise(t))
        for name in fields(State):
            assert np.array_equal(got[name][:, t], runs_first(getattr(s, name)).astype(np.float32)), (name, t)


def test_a_retried_chunk_finds_its_chunk_saved(tmp_path):
    """A Dask task retried after its worker died having already saved the chunk: the second
    save keeps the first (the same bits) and leaves no temporary directory behind."""
    from sim.engine.folder import ResultFolder, SavingChunkFn

    scen = scenario.load("scenarios/june_war_pivot.toml")
    job = Job(scen, 3, 12, 6, 6, "full", None, None)
    folder = ResultFolder(tmp_path / "r", job, {"actors": list(scen.actor_ids)})
    fn = SavingChunkFn(job, folder.chunks)
    first = fn(1)
    saved = np.load(folder.chunks / "c000001" / "alignment.npy")
    again = fn(1)
    assert first.saved and again.saved and first.summary is None
    assert folder.done() == {1}
    assert [p.name for p in folder.chunks.iterdir()] == ["c000001"]
    assert np.array_equal(np.load(folder.chunks / "c000001" / "alignment.npy"), saved)


def test_default_chunks_shrink_for_large_actor_sets():
    """A chunk is one compiled call: the flagship keeps 2,000-run chunks, a 40-actor scenario
    (about 180 us per run-step) gets 64, about half a second each at 48 steps."""
    from sim.engine.ensemble import default_chunk
    assert [default_chunk(r, 5) for r in (100, 10_000, 10**6)] == [250, 1250, 2000]
    assert default_chunk(10**6, 10) == 1000 and default_chunk(10**6, 20) == 250
    assert default_chunk(10**6, 40) == default_chunk(50, 40) == 64


def test_full_chunks_hold_a_bounded_share_of_records(tmp_path):
    """With every array kept, a chunk's float32 records stay within FULL_CHUNK_BYTES: the
    flagship's runs record (8 pair fields, 4 kinds of support decisions, need, positions,
    outcome, military, 2 declared decisions) x 49 steps, so 48 MiB hold 750 of them; a
    40-actor scenario's runs record ~19,400 values a step, so a chunk holds 13 (64 by the
    default, which bounds compute). A summary-only job and a chunk size given keep theirs."""
    from sim.engine.ensemble import FULL_CHUNK_BYTES, full_chunk_cap
    from sim.engine.run import RunOptions, job_for
    from helpers import random_scenario_toml
    flagship = scenario.load("scenarios/june_war_pivot.toml")
    assert full_chunk_cap(flagship, flagship.steps) == 750
    big = tmp_path / "gen40.toml"
    big.write_text(random_scenario_toml(np.random.default_rng(40), 40, steps=48, n_shocks=8, n_corridors=4))
    scen = scenario.load(big)
    cap = full_chunk_cap(scen, 48)
    # 8 pair fields and 4 kinds of support decisions (12 N^2), need, positions (3 issues), outcome, military
    per_run = 4 * 49 * (12 * 40 * 40 + 40 + 40 * 3 + 3 + 40)
    assert cap == FULL_CHUNK_BYTES // per_run == 13
    assert job_for(scen, tmp_path / "a", RunOptions(runs=200, keep="full")).chunk_size == 13
    assert job_for(scen, tmp_path / "b", RunOptions(runs=200, keep="summary")).chunk_size == 64
    assert job_for(scen, tmp_path / "c", RunOptions(runs=200, keep="full", chunk_size=50)).chunk_size == 50


def test_figures_start_once_the_tables_are_written_and_end_in_the_manifest(tmp_path):
    """run_to_folder starts drawing as soon as the tables are written, before ensemble.npz and
    events.csv (a run's figures read only the tables), and collects the figures once the folder
    is complete, listing them in its manifest."""
    from sim.engine.run import RunOptions, run_to_folder
    seen = {}

    def draw(out):
        seen["at start"] = {p.name for p in out.iterdir()}

        def wait():
            seen["at wait"] = {p.name for p in out.iterdir()}
            fig = out / "figures" / "fan_chart.png"
            fig.parent.mkdir()
            fig.write_bytes(b"drawn")
            return [fig]
        return wait
    out = tmp_path / "r"
    scen = scenario.load("scenarios/june_war_pivot.toml")
    run_to_folder(scen, out, RunOptions(runs=20, steps=6, chunk_size=8), draw=draw)
    assert {"quantiles.csv", "final.csv", "summary.npz"} <= seen["at start"]
    assert not {"ensemble.npz", "events.csv"} & seen["at start"]
    assert {"ensemble.npz", "events.csv"} <= seen["at wait"]
    man = json.loads((out / "manifest.json").read_text())
    assert man["complete"] and "figures/fan_chart.png" in man["files"]
