"""A fault-injection probe of alignsim (issue 16), run by hand, not by pytest:

    PYTHONPATH=. MPLBACKEND=Agg python tests/fault_probe.py [--quick] [--work DIR]

It tries malformed scenario files, bad command lines, SIGKILL at random chunks followed by
--resume, corrupt chunk and manifest files, concurrent writers, signals and orphan processes,
a disk that fills up during a run (a small tmpfs, when this user may mount one) and oversized
runs, and prints how many cases of each kind it tried, how many were handled cleanly and how
many failed, with the failures listed.

Clean means: exit 0 with a complete folder of finite numbers (identical to an uninterrupted
run where one exists), or exit 2 with one `alignsim: error:` line and no traceback, with
nothing already written lost. Kill and concurrency cases run the console command in
subprocesses; file and command-line cases call the CLI's main() in this process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from sim.apps.cli import main  # noqa: E402

PIVOT = ROOT / "scenarios" / "june_war_pivot.toml"
RESULTS: dict = defaultdict(lambda: {"tried": 0, "clean": 0, "failed": []})
NOTES: dict = defaultdict(int)
RNG = random.Random(16)
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}


def record(kind: str, case: str, ok: bool, why: str = "") -> None:
    r = RESULTS[kind]
    r["tried"] += 1
    if ok:
        r["clean"] += 1
    else:
        r["failed"].append(f"{case}: {why}"[:300])


def cli(argv) -> tuple[int, str]:
    """main(argv) in this process: (exit code, stderr); an escaping exception is exit 99."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # noqa: BLE001 - a traceback is what the probe looks for
            import traceback
            traceback.print_exc()
            rc = 99 if not isinstance(exc, KeyboardInterrupt) else 130
    return rc, err.getvalue()


def judge_error(rc: int, err: str) -> str:
    """'' if (rc, err) is a clean refusal, else why not."""
    errors = [x for x in err.strip().splitlines() if not x.startswith("alignsim: warning:")]
    if "Traceback" in err:
        return "traceback"
    if rc != 2:
        return f"exit {rc}"
    if len(errors) != 1:
        return f"{len(errors)} lines: {' | '.join(errors)[:160]}"
    return ""


def finite_folder(out: Path) -> str:
    """'' if out is a complete result folder with finite arrays, else why not."""
    try:
        man = json.loads((out / "manifest.json").read_text())
        if not man.get("complete"):
            return "manifest not complete"
        if (out / "ensemble.npz").exists():
            with np.load(out / "ensemble.npz") as z:
                for k in z.files:
                    if z[k].dtype.kind == "f" and not np.isfinite(z[k]).all():
                        return f"non-finite values in {k}"
    except Exception as exc:  # noqa: BLE001
        return f"unreadable folder: {exc}"
    return ""


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


def identical(a: Path, b: Path) -> str:
    names = ("ensemble.npz", "quantiles.csv", "final.csv", "events.csv", "coalitions.csv", "balance.csv",
             "summary.npz", "event_counts.csv")
    diff = [n for n in names if (a / n).exists() != (b / n).exists()
            or ((a / n).exists() and (a / n).read_bytes() != (b / n).read_bytes())]
    return f"differs from the uninterrupted run: {diff}" if diff else ""


# ------------------------------------------------------------------------- scenario files

HOSTILE_VALUES = ['"text"', "true", "[]", "{}", "-1", "1e308", "-1e308", "nan", "inf", "1" + "0" * 400,
                  '{dist = "uniform", low = 1, high = 0}', '{dist = "nope"}', '{dist = "normal", mean = 0, sd = 1e300}',
                  "0", "1e12"]
KEYS = ["actors.iran.military", "actors.china.economic", "actors.russia.resolve", "actors.us.positions.world_order",
        "actors.israel.salience.sanctions", "relations.iran.china", "trade.china.iran",
        "corridors.china_iran_rail.capacity", "shocks.june_war.intensity", "shocks.june_war.duration",
        "shocks.background_clash.hazard", "dynamics.reciprocity"]
ACTOR = "military = 1\neconomic = 1\nsanctions_risk_tolerance = 0.5\nresolve = 0.5\nreliability = 0.5\n"
STRUCTURAL = {
    "deep_900": "x = " + "[" * 900 + "]" * 900,
    "deep_65": "x = " + "[" * 65 + "]" * 65,
    "deep_tables": "[" + ".".join(["a"] * 300) + "]\nx = 1",
    "bad_toml": "[time\nstart = 2024-01",
    "binary": "\x00\x01\x02garbage",
    "start_9999": '[time]\nstart = "9999-12"',
    "start_1899": '[time]\nstart = "1899-12"',
    "start_2024_13": '[time]\nstart = "2024-13"',
    "start_text": '[time]\nstart = "soon"',
    "steps_0": "[time]\nsteps = 0",
    "steps_1201": "[time]\nsteps = 1201",
    "steps_frac": "[time]\nsteps = 1.5",
    "steps_huge": "[time]\nsteps = " + "9" * 400,
    "at_huge": "[shocks.june_war]\nat = 99999999999999999",
    "at_negative": "[shocks.june_war]\nat = -3",
    "at_after_horizon": '[shocks.june_war]\nat = "2031-01"',
    "window_reversed": '[shocks.background_clash]\nwindow = ["2026-01", "2025-01"]',
    "window_after_horizon": '[shocks.background_clash]\nwindow = ["2030-01", "2030-06"]',
    "shock_type": '[shocks.x]\ntype = "invasion"\nat = "2025-01"',
    "shock_both": '[shocks.june_war]\nhazard = 0.1',
    "shock_unknown_actor": '[shocks.x]\ntype = "sanctions"\nsender = "france"\ntarget = "iran"\nat = "2025-01"',
    "relation_self": "[relations.iran]\niran = 0.5",
    "unknown_top": "[weather]\nsunny = true",
    "unknown_actor_key": "[actors.iran]\nreliabilty = 0.3",
    "closure_unknown": '[shocks.x]\ntype = "corridor_closure"\ncorridor = "suez"\nat = "2025-01"',
    "key_pairs_bad": '[outputs]\nkey_pairs = [["iran", "iran"]]',
    "extends_missing": 'extends = "nowhere.toml"',
    "extends_number": "extends = 5",
    "name_traversal": '[scenario]\nname = "../../x"',
    "name_absolute": '[scenario]\nname = "/tmp/alignsim_probe_abs"',
    "name_empty": '[scenario]\nname = ""',
    "actor_id_markup": '[actors."x\\"><img src=x onerror=alert(1)>"]\n' + ACTOR,
    "actor_id_empty": '[actors.""]\n' + ACTOR,
    "issue_label_number": "[issues]\nworld_order = 3",
    "issue_id_caps": '[issues]\nWorld = "x"',
    "corridor_id_path": '[corridors."../c"]\npairs = [["iran", "china"]]\ncapacity = 1\ntransit_days = 9',
    "display_name_markup": '[actors.iran]\nname = "<script>alert(1)</script>"',
    "huge_string": '[scenario]\ntitle = "' + "x" * 200_000 + '"',
}


def child_text(body: str, with_extends: bool = True) -> str:
    return (f'extends = "{PIVOT}"\n' if with_extends else "") + body + "\n"


def key_body(key: str, value: str) -> str:
    parts = key.split(".")
    return f"[{'.'.join(parts[:-1])}]\n{parts[-1]} = {value}"


def probe_files(work: Path) -> None:
    cases = [(f"{k}={v[:20]}", key_body(k, v), True) for k in KEYS for v in RNG.sample(HOSTILE_VALUES, 8)]
    cases += [(name, body, not name.startswith(("deep_", "bad_toml", "binary", "extends_"))) for name, body in STRUCTURAL.items()]
    cases.append(("extends_loop", None, False))
    for k, (name, body, ext) in enumerate(cases):
        path = work / "files" / f"case{k:03d}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "extends_loop":
            path.write_text(f'extends = "{path.name}"\n')
        else:
            path.write_text(child_text(body, ext))
        out = work / "files" / f"out{k:03d}"
        rc, err = cli(["run", path, "--runs", 8, "--steps", 6, "--quiet", "--no-figures", "--out", out])
        why = finite_folder(out) if rc == 0 else judge_error(rc, err)
        if rc == 2 and out.exists():
            why = why or "a refused run left a folder"
        record("scenario files", name, not why, why)
    (work / "files" / "listing").mkdir()
    for k, name in enumerate(("deep_900", "binary", "bad_toml")):
        (work / "files" / "listing" / f"{name}.toml").write_text(child_text(STRUCTURAL[name], False))
    rc, err = cli(["list", "--dir", work / "files" / "listing"])
    record("scenario files", "list over broken files", rc == 0 and "Traceback" not in err, f"exit {rc} {err[:200]}")


# ------------------------------------------------------------------------- command lines

def probe_command_lines(work: Path) -> None:
    done = work / "cl_done"
    assert cli(["run", PIVOT, "--runs", 8, "--steps", 4, "--quiet", "--no-figures", "--out", done])[0] == 0
    (work / "afile").write_text("x")
    q = ["run", PIVOT, "--quiet", "--no-figures", "--steps", 4]
    cases = {
        "runs 0": [*q, "--runs", 0], "runs -5": [*q, "--runs", -5], "runs abc": [*q, "--runs", "abc"],
        "runs 1e3": [*q, "--runs", "1e3"], "seed huge": [*q, "--seed", "9" * 23], "seed -1": [*q, "--seed", -1],
        "seed abc": [*q, "--seed", "abc"], "steps 0": [*q, "--steps", 0], "steps 5000": [*q, "--steps", 5000],
        "chunk 0": [*q, "--chunk-size", 0], "workers 0": [*q, "--workers", 0], "keep bogus": [*q, "--keep", "all"],
        "backend bogus": [*q, "--backend", "gpu"], "set no =": [*q, "--set", "actors.iran.resolve"],
        "set unknown": [*q, "--set", "actors.iran.resolv=0.5"], "set deep": [*q, "--set", "dynamics.inertia=" + "[" * 900],
        "set type": [*q, "--set", "actors.iran.resolve=\"high\""], "set range": [*q, "--set", "actors.iran.resolve=7"],
        "set nan": [*q, "--set", "actors.iran.military=nan"], "set dist": [*q, "--set", "actors.iran.resolve={dist=\"x\"}"],
        "resume missing": [*q, "--resume", work / "nowhere"], "resume file": [*q, "--resume", work / "afile"],
        "resume complete": [*q, "--runs", 8, "--resume", done], "resume other options": [*q, "--runs", 9, "--resume", done],
        "out is file": [*q, "--out", work / "afile"], "out below file": [*q, "--out", work / "afile" / "x"],
        "out proc": [*q, "--out", "/proc/alignsim/x"], "out existing": [*q, "--runs", 8, "--out", done],
        "scenario missing": ["run", "no_such_scenario", "--quiet"], "scenario traversal": ["run", "../../etc/passwd", "--quiet"],
        "scenario dir": ["run", work, "--quiet"], "unknown command": ["fly"], "no command": [],
        "show missing": ["show", "nope"], "show bad set": ["show", PIVOT, "--set", "x.y=1"],
        "list missing dir": ["list", "--dir", work / "nowhere"], "plot not folder": ["plot", work / "afile"],
        "plot empty": ["plot", work / "nowhere"], "report not folder": ["report", work / "afile"],
        "landscape missing": ["landscape", work / "nowhere.toml"], "experiment missing": ["experiment", work / "no.toml"],
        "huge runs full": ["run", PIVOT, "--quiet", "--runs", 10_000_000, "--keep", "full", "--out", work / "huge"],
        "inprocess workers": [*q, "--runs", 8, "--backend", "inprocess", "--workers", 2, "--out", work / "ipw"],
        "strict horizon": [*q, "--runs", 8, "--strict", "--out", work / "strict"],
    }
    for name, argv in cases.items():
        before = snapshot(done)
        rc, err = cli(argv)
        if rc == 0:
            why = "" if name in ("inprocess workers",) and "ignored" in err else f"accepted: {err[:120]}"
            if name == "list missing dir":
                why = ""
        else:
            why = judge_error(rc, err)
        if snapshot(done) != before:
            why = "changed an existing result folder"
        record("command lines", name, not why, why)


# ------------------------------------------------------------------------------ kills

BASE = ["run", PIVOT, "--runs", 400, "--steps", 24, "--seed", 9, "--quiet", "--no-figures", "--chunk-size", 25]


def session_alive(sid: int) -> list[str]:
    rows = subprocess.run(["ps", "-eo", "pid=,sid=,stat=,args="], capture_output=True, text=True).stdout.splitlines()
    return [r for r in rows if r.split()[1] == str(sid) and not r.split()[2].startswith("Z") and "ps -eo" not in r]


def start(argv, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", *map(str, argv)], start_new_session=True, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)


def wait_chunks(out: Path, n: int, proc, timeout=90) -> bool:
    t0 = time.time()
    while time.time() - t0 < timeout and proc.poll() is None:
        if (out / "chunks").is_dir() and len([p for p in (out / "chunks").iterdir() if p.name.startswith("c")]) >= n:
            return True
        time.sleep(0.01)
    return False


def gone_within(sid: int, seconds: float) -> tuple[bool, float]:
    t0 = time.time()
    while session_alive(sid) and time.time() - t0 < seconds:
        time.sleep(0.1)
    return not session_alive(sid), time.time() - t0


def probe_kills(work: Path, ref: Path, trials: int) -> None:
    for k in range(trials):
        backend = ("processes", "inprocess")[k % 2]
        at = RNG.randint(1, 14)
        out = work / f"kill{k}"
        proc = start([*BASE, "--out", out, "--backend", backend, "--workers", 2 if backend == "processes" else 1])
        if not wait_chunks(out, at, proc):
            proc.kill()
            record("SIGKILL + resume", f"{backend} at chunk {at}", False, "the run did not reach the chunk")
            continue
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        clean, took = gone_within(proc.pid, 5)
        rc, err = cli([*BASE, "--resume", out])
        why = "" if clean else f"processes alive {took:.1f} s after SIGKILL"
        why = why or (judge_error(rc, err) if rc else identical(ref, out))
        record("SIGKILL + resume", f"{backend} at chunk {at}", not why, why)


def probe_signals(work: Path, ref: Path) -> None:
    for sig, backend in ((signal.SIGTERM, "processes"), (signal.SIGHUP, "processes"), (signal.SIGTERM, "inprocess")):
        out = work / f"sig{sig}{backend}"
        proc = start([*BASE, "--out", out, "--backend", backend, "--workers", 2 if backend == "processes" else 1])
        wait_chunks(out, RNG.randint(2, 10), proc)
        os.kill(proc.pid, sig)
        rc = proc.wait(timeout=60)
        err = proc.stderr.read()
        clean, took = gone_within(proc.pid, 5)
        why = "" if rc == 128 + sig and "--resume" in err and "Traceback" not in err else f"exit {rc}: {err[-200:]}"
        why = why or ("" if clean else f"processes alive {took:.1f} s after")
        rc2, err2 = cli([*BASE, "--resume", out])
        why = why or (judge_error(rc2, err2) if rc2 else identical(ref, out))
        record("signals", f"{signal.Signals(sig).name} {backend}", not why, why)
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return
    out = work / "dask"
    proc = start([*BASE, "--out", out, "--backend", "dask", "--workers", 2])
    wait_chunks(out, 2, proc, timeout=120)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    clean, took = gone_within(proc.pid, 5)
    record("signals", "SIGKILL dask", clean, f"processes alive {took:.1f} s after SIGKILL")


# -------------------------------------------------------------------------- corruption

def interrupted_template(work: Path) -> Path:
    from sim.engine import folder as store
    out = work / "template"
    real, calls = store.save_chunk, []

    def flaky(chunks, res, tag):
        if len(calls) == 10:
            raise KeyboardInterrupt
        calls.append(res.index)
        real(chunks, res, tag)
    store.save_chunk = flaky
    try:
        assert cli([*BASE, "--out", out, "--backend", "inprocess"])[0] == 130
    finally:
        store.save_chunk = real
    return out


def _bytes(fn):
    def apply(p: Path):
        p.write_bytes(fn(bytearray(p.read_bytes())))
    return apply


def _overwrite(raw):
    at = RNG.randrange(0, max(1, len(raw) - 256))
    raw[at:at + 256] = os.urandom(min(256, len(raw) - at))
    return bytes(raw)


CORRUPT = {
    "truncate": _bytes(lambda raw: bytes(raw[:len(raw) // 2])),
    "overwrite_256": _bytes(_overwrite),
    "flip_one_bit": _bytes(lambda raw: bytes(raw[:-1] + bytes([raw[-1] ^ 1]))),
    "zero_fill": _bytes(lambda raw: bytes(len(raw))),
    "append": _bytes(lambda raw: bytes(raw) + b"garbage"),
    "empty": lambda p: p.write_bytes(b""),
    "delete": lambda p: p.unlink(),
}
FILES = ["alignment.npy", "threat.npy", "balance.npy", "summary.npz", "events.csv", "chunk.json"]


def probe_corruption(work: Path, ref: Path) -> None:
    template = interrupted_template(work)
    cases = [(f, c) for f in FILES for c in CORRUPT]
    cases += [("chunk", "swap_two"), ("chunk", "other_seed"), ("chunk", "delete_whole"), ("chunk", "extra_file"),
              ("events.csv", "extra_row"), ("chunk.json", "wrong_types")]
    for k, (name, how) in enumerate(cases):
        out = work / f"corrupt{k:03d}"
        shutil.copytree(template, out)
        c = out / "chunks" / f"c{RNG.randrange(10):06d}"
        if how == "swap_two":
            (out / "chunks" / "c000003").rename(out / "chunks" / "tmp")
            (out / "chunks" / "c000004").rename(out / "chunks" / "c000003")
            (out / "chunks" / "tmp").rename(out / "chunks" / "c000004")
        elif how == "other_seed":
            from sim import scenario
            from sim.engine.ensemble import Job
            from sim.engine.folder import SavingChunkFn
            shutil.rmtree(c)
            job = Job(scenario.load(PIVOT), 8, 400, 24, 25, "full")
            SavingChunkFn(job, out / "chunks")(int(c.name[1:]))
        elif how == "delete_whole":
            shutil.rmtree(c)
        elif how == "extra_file":
            (c / "notes.txt").write_text("x")
        elif how == "extra_row":
            (c / name).write_text((c / name).read_text() + "0,1,june_war,armed_conflict,1.0\n")
        elif how == "wrong_types":
            (c / name).write_text(json.dumps({"index": "x", "lo": [], "hi": None, "options": 3, "files": []}))
        else:
            CORRUPT[how](c / name)
        rc, err = cli([*BASE, "--resume", out])
        why = judge_error(rc, err) if rc else identical(ref, out)
        if not why and how not in ("delete_whole",) and "recomputing" not in err:
            why = "no warning about the recomputed chunk"
        record("corrupt chunks", f"{name} {how}", not why, why)
    manifests = {"truncate": lambda t: t[:len(t) // 3], "empty": lambda t: "", "garbage": lambda t: "\x00\xff" * 50,
                 "json_list": lambda t: "[]", "not_alignsim": lambda t: '{"complete": false}',
                 "options_list": lambda t: t.replace('"options": {', '"options": [{', 1).replace('"seed": 9,', '"seed": 9}],', 1),
                 "seed_changed": lambda t: t.replace('"seed": 9', '"seed": 10', 1)}
    for name, fn in manifests.items():
        for mode in ("--resume", "--overwrite"):
            out = work / f"man_{name}_{mode[2:]}"
            shutil.copytree(template, out)
            (out / "manifest.json").write_text(fn((out / "manifest.json").read_text()))
            before = snapshot(out)
            argv = [*BASE, "--resume", out] if mode == "--resume" else [*BASE, "--out", out, "--overwrite"]
            rc, err = cli(argv)
            if rc == 0:
                why = finite_folder(out) or ("" if name == "seed_changed" and mode == "--overwrite"
                                             else "accepted a corrupt manifest")
            else:
                why = judge_error(rc, err) or ("" if snapshot(out) == before else "changed the folder")
            record("corrupt manifests", f"{name} {mode}", not why, why)


# --------------------------------------------------------------------------- concurrency

def probe_concurrency(work: Path, trials: int) -> None:
    from sim import scenario
    from sim.engine.ensemble import run_ensemble
    scen = scenario.load(PIVOT)
    want = {s: run_ensemble(scen, 2000, s, steps=24).alignment for s in (7, 8)}
    for k in range(trials):
        out = work / f"conc{k}"
        argv = ["run", PIVOT, "--runs", 2000, "--steps", 24, "--quiet", "--no-figures", "--out", out, "--overwrite"]
        procs = [start([*argv, "--seed", s]) for s in (7, 8)]
        res = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
        bad = [f"exit {rc}: {err[-160:]}" for rc, err in res
               if not (rc == 0 or (rc == 2 and not judge_error(rc, err) and "in use" in err))]
        why = "; ".join(bad)
        if sorted(rc for rc, _ in res) == [0, 2]:
            NOTES["concurrent --overwrite runs that overlapped (one refused)"] += 1
        if not why:
            man = json.loads((out / "manifest.json").read_text())
            with np.load(out / "ensemble.npz") as z:
                if int(z["seed"]) != man["seed"] or not np.array_equal(z["alignment"], want[man["seed"]]):
                    why = f"manifest seed {man['seed']}, data of another seed or mixed"
        record("concurrent writers", f"--overwrite x2 trial {k}", not why, why)
    template = interrupted_template(work / "conc_resume")
    ref = work / "ref"
    for k in range(2):
        out = work / f"conc_resume{k}"
        shutil.copytree(template, out)
        procs = [start([*BASE, "--resume", out]) for _ in range(2)]
        res = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
        bad = [f"exit {rc}: {err[-160:]}" for rc, err in res
               if not (rc == 0 or (rc == 2 and not judge_error(rc, err) and ("in use" in err or "already complete" in err)))]
        why = "; ".join(bad) or identical(ref, out)
        record("concurrent writers", f"--resume x2 trial {k}", not why, why)


# ----------------------------------------------------------------------- disk, resources

def probe_disk(work: Path) -> None:
    mnt = work / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24M", "tmpfs", str(mnt)], capture_output=True).returncode:
        record("full disk", "tmpfs", True, "skipped: cannot mount")
        return
    try:
        ref = work / "disk_ref"
        argv = ["run", PIVOT, "--runs", 150, "--steps", 24, "--seed", 9, "--quiet", "--no-figures", "--chunk-size", 10]
        assert cli([*argv, "--out", ref])[0] == 0
        rc, err = cli(["run", PIVOT, "--runs", 2000, "--quiet", "--no-figures", "--keep", "full", "--out", mnt / "big"])
        why = judge_error(rc, err) or ("" if "on disk" in err and not (mnt / "big").exists() else err[:200])
        record("full disk", "too large for the disk: refused up front", not why, why)
        out = mnt / "fill"
        filler = mnt / "filler"

        def fill():   # fill the disk once the run has saved its second chunk
            while not ((out / "chunks").is_dir() and len(list((out / "chunks").glob("c*"))) >= 2):
                time.sleep(0.005)
            with filler.open("wb") as fh:
                try:
                    while True:
                        fh.write(b"\0" * 65536)
                except OSError:
                    pass
        t = threading.Thread(target=fill)
        t.start()
        rc, err = cli([*argv, "--out", out])
        t.join()
        why = judge_error(rc, err) if rc else "finished despite a full disk"
        why = why or ("" if "No space left" in err and "--resume" in err else err[:200])
        filler.unlink()
        rc2, err2 = cli([*argv, "--resume", out])
        why = why or (judge_error(rc2, err2) if rc2 else identical(ref, out))
        record("full disk", "ENOSPC during a run, then resume", not why, why)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        rc, err = cli([*argv, "--out", mnt / "ro"])
        record("full disk", "read-only file system", not judge_error(rc, err), judge_error(rc, err))
    finally:
        subprocess.run(["umount", str(mnt)])


def report() -> int:
    total = {"tried": 0, "clean": 0, "failed": 0}
    print(f"\n{'kind':<22} {'tried':>6} {'clean':>6} {'failed':>6}")
    for kind, r in RESULTS.items():
        print(f"{kind:<22} {r['tried']:>6} {r['clean']:>6} {len(r['failed']):>6}")
        for k in total:
            total[k] += r[k] if k != "failed" else len(r["failed"])
    print(f"{'total':<22} {total['tried']:>6} {total['clean']:>6} {total['failed']:>6}")
    for kind, r in RESULTS.items():
        for f in r["failed"]:
            print(f"FAILED [{kind}] {f}")
    for note, n in NOTES.items():
        print(f"note: {note}: {n}")
    return 1 if total["failed"] else 0


def run_probe(work: Path, quick: bool) -> int:
    ref = work / "ref"
    assert cli([*BASE, "--out", ref, "--backend", "inprocess"])[0] == 0
    steps = [("scenario files", lambda: probe_files(work)), ("command lines", lambda: probe_command_lines(work)),
             ("corruption", lambda: probe_corruption(work, ref)),
             ("kills", lambda: probe_kills(work, ref, 4 if quick else 10)),
             ("signals", lambda: probe_signals(work, ref)),
             ("concurrency", lambda: probe_concurrency(work, 2 if quick else 5)), ("disk", lambda: probe_disk(work))]
    for name, step in steps:
        t0 = time.time()
        step()
        print(f"{name}: {time.time() - t0:.0f} s", file=sys.stderr)
    return report()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer kill and concurrency trials")
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="alignsim-probe-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"working in {work}", file=sys.stderr)
    sys.exit(run_probe(work, a.quick))
