"""Regression fixture: every array of `alignsim run X --runs 200 --seed 1` for the seven flagship
scenarios, as sha256 of its bytes (tests/data/golden_ensemble_sha256.json).

A refactoring must leave every hash unchanged. A deliberate model change updates the fixture in the
same commit, saying why (regenerate with `python tests/test_golden.py > tests/data/golden_ensemble_sha256.json`)."""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.apps.cli import main

FIXTURE = Path(__file__).parent / "data" / "golden_ensemble_sha256.json"
GOLDEN = json.loads(FIXTURE.read_text())


def hashes(name: str, out: Path) -> dict[str, str]:
    assert main(["run", name, "--runs", "200", "--seed", "1", "--out", str(out), "--no-figures", "--quiet"]) == 0
    with np.load(out / "ensemble.npz") as z:
        return {k: hashlib.sha256(np.ascontiguousarray(z[k]).tobytes()).hexdigest() for k in sorted(z.files)}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_flagship_arrays_are_bit_identical_to_the_fixture(name, tmp_path):
    got = hashes(name, tmp_path / name)
    changed = sorted(k for k in GOLDEN[name] if got.get(k) != GOLDEN[name][k])
    assert set(got) == set(GOLDEN[name]) and not changed, f"{name}: arrays changed: {changed}"


if __name__ == "__main__":
    import contextlib
    import io
    import tempfile
    with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()):
        table = {n: hashes(n, Path(d) / n) for n in sorted(GOLDEN)}
    json.dump(table, sys.stdout, indent=1, sort_keys=True)
    print()
