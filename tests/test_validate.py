"""Stylized-fact validation (docs/VALIDATION.md) at a small ensemble size."""

from __future__ import annotations

import pytest

from sim.apps import validate

RUNS = 120


@pytest.fixture(scope="module")
def checks():
    return {c.key: c for c in validate.validate(seed=validate.DEFAULT_SEED, runs=RUNS)}


@pytest.mark.parametrize("key", ["b", "c", "d"])
def test_check_passes(checks, key):
    assert checks[key].passed, checks[key].measured


# Known model failures, reported to the model owner (see docs/VALIDATION.md, "Status").
# strict: when the model is fixed the XPASS fails the suite, so the marker gets removed.
def test_check_a_iran_china_horizon(checks):
    assert checks["a"].passed, checks["a"].measured


def test_check_e_un_voting(checks):
    assert checks["e"].passed, checks["e"].measured


def test_validate_main_prints_every_check(capsys):
    rc = validate.validate_main(seed=validate.DEFAULT_SEED, runs=40)
    out = capsys.readouterr().out
    assert rc in (0, 1)
    for key in "abcde":
        assert f"({key})" in out
    assert rc == (1 if "FAIL" in out else 0)
