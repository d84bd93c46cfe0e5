"""Landscape theory: Syria 2016 reproduction, brute-force cross-checks, input errors."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sim.analysis import landscape as ls
from sim.apps import landscape as app
from sim.core.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
SYRIA = ROOT / "tests" / "data" / "landscape_syria_2016"
EXAMPLE = ROOT / "examples" / "landscape_syria_2016.toml"
ALLIES = ["US", "Russia", "Syria", "Saudi_Arabia", "Iran", "Hezbollah", "Iraqi_Kurds", "Baghdad"]


# ------------------------------------------------------------- plain references


def ref_energy_ordered(s, p, x):
    """Sum over ordered pairs, as Furnas & Axelrod's code does."""
    n = len(s)
    return sum(s[i] * s[j] * p[i][j] for i in range(n) for j in range(n) if i != j and x[i] != x[j])


def ref_frustration(s, p, x, i):
    return sum(s[j] * p[i][j] for j in range(len(s)) if j != i and x[i] != x[j])


def ref_configs(n):
    """All configurations with actor 0 on side 0, in code order (bit k = actor k+1)."""
    for code in range(2 ** (n - 1)):
        yield code, [0] + [(code >> k) & 1 for k in range(n - 1)]


def ref_is_local_min(s, p, x):
    for i in range(len(s)):
        y = list(x)
        y[i] = 1 - y[i]
        if ref_frustration(s, p, y, i) < ref_frustration(s, p, x, i):
            return False
    return True


def ref_code(x):
    x = [v ^ x[0] for v in x]
    return sum(v << k for k, v in enumerate(x[1:]))


def ref_attractor(s, p, x):
    """Steepest descent: switch the actor lowering E most, lowest index on ties."""
    while True:
        e = ref_energy_ordered(s, p, x)
        best, best_i = 0, None
        for i in range(len(s)):
            y = list(x)
            y[i] = 1 - y[i]
            de = ref_energy_ordered(s, p, y) - e
            if de < best:
                best, best_i = de, i
        if best_i is None:
            return ref_code(x)
        x[best_i] = 1 - x[best_i]


def random_instance(rng, n, integer=True):
    if integer:
        s = rng.integers(1, 20, n).astype(float)
        p = rng.integers(-2, 3, (n, n)).astype(float)
    else:
        s = rng.uniform(0.5, 10, n)
        p = rng.uniform(-2, 2, (n, n))
    p = np.triu(p, 1)
    return s, p + p.T


# ----------------------------------------------------------------------- Syria


@pytest.fixture(scope="module")
def syria():
    names, s, p = app.load_landscape_file(SYRIA / "syria.toml")
    return ls.enumerate_configurations(s, p, names)


def test_syria_toml_matches_csvs():
    actors = list(csv.DictReader((SYRIA / "actors.csv").open()))
    rows = list(csv.reader((SYRIA / "propensity_1to5.csv").open()))
    names, s, p = app.load_landscape_file(SYRIA / "syria.toml")
    assert list(names) == [a["actor"] for a in actors] == rows[0][1:]
    assert s.tolist() == [float(a["strength"]) for a in actors]
    for i, row in enumerate(rows[1:]):
        assert row[0] == names[i]
        for j, v in enumerate(row[1:]):
            assert p[i, j] == (0 if i == j else int(v) - 3)


def test_example_has_same_content_and_attribution():
    assert app.load_landscape_file(EXAMPLE)[0] == app.load_landscape_file(SYRIA / "syria.toml")[0]
    ex, ref = app.load_landscape_file(EXAMPLE), app.load_landscape_file(SYRIA / "syria.toml")
    for a, b in zip(ex[1:], ref[1:]):
        np.testing.assert_array_equal(a, b)
    head = EXAMPLE.read_text()[:600]
    assert "Furnas" in head and "Axelrod" in head and "alexanderfurnas/Landscape_Theory" in head


def test_syria_published_global_minimum(syria):
    codes = ls.local_minima(syria)
    best = codes[0]
    assert syria.energies.min() == syria.energies[best] == -41600  # unordered pairs
    x = ls.code_to_sides(best, syria.n)
    side = {name: int(v) for name, v in zip(syria.names, x)}
    assert {m for m in syria.names if side[m] == side["US"]} == set(ALLIES)
    assert {m for m in syria.names if side[m] != side["US"]} == {"Turkey", "ISIS", "Nusra"}
    assert syria.local_minimum[best]
    s, p = syria.sizes.tolist(), syria.propensity.tolist()
    assert ref_energy_ordered(s, p, x.tolist()) == -83200  # the published, ordered-pair value
    assert ref_is_local_min(s, p, x.tolist())


def test_syria_everyone_against_isis(syria):
    x = (np.array(syria.names) == "ISIS").astype(int)
    assert ls.energy(syria.sizes, syria.propensity, x) == -40000
    assert syria.energies[ls.sides_to_code(x)] == -40000
    assert ref_energy_ordered(syria.sizes.tolist(), syria.propensity.tolist(), x.tolist()) == -80000


def test_syria_json_and_table(syria):
    doc = app.to_json_dict(syria)
    confs = doc["configurations"]
    assert len(confs) == 2**10
    assert [c["energy"] for c in confs] == sorted(c["energy"] for c in confs)
    assert confs[0] == {
        "coalitions": [ALLIES, ["Turkey", "ISIS", "Nusra"]],
        "energy": -41600.0,
        "local_minimum": True,
    }
    assert all(c["coalitions"][0][0] == "US" for c in confs)
    assert sum(c["local_minimum"] for c in confs) == int(syria.local_minimum.sum())
    assert json.loads(app.dump_json(doc)) == doc
    text = app.format_table(syria, top=3)
    assert "-41600" in text and "Turkey, ISIS, Nusra" in text
    ranks = [ln.split()[0] for ln in text.splitlines()[2:5]]
    assert ranks == ["1", "2", "3"] and "    *" in text.splitlines()[2]


def test_landscape_main(capsys):
    assert app.landscape_main(SYRIA / "syria.toml", True, 5) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["configurations"]) == 5 and doc["configurations"][0]["energy"] == -41600
    assert app.landscape_main(EXAMPLE, False, None) == 0
    out = capsys.readouterr().out
    assert "-41600" in out and "frustration" in out


# ------------------------------------------------------- exact vs brute force


@pytest.mark.parametrize("n", range(3, 10))
@pytest.mark.parametrize("integer", [True, False])
def test_enumeration_matches_brute_force(n, integer):
    rng = np.random.default_rng(100 * n + integer)
    s, p = random_instance(rng, n, integer)
    land = ls.enumerate_configurations(s, p, block=7)  # odd block size exercises block edges
    sl, pl = s.tolist(), p.tolist()
    for code, x in ref_configs(n):
        assert land.energies[code] == pytest.approx(ref_energy_ordered(sl, pl, x) / 2, abs=1e-9)
        assert land.local_minimum[code] == ref_is_local_min(sl, pl, x)
    # the derivation in the module docstring: dE_i = s_i (F_i' - F_i)
    xs = ls.code_to_sides(np.arange(2 ** (n - 1)), n)
    f = ls.frustration(s, p, xs)
    f_after = p @ s - f  # m_i - F_i, m_i = sum_j p_ij s_j
    np.testing.assert_allclose(switch_deltas(s, p, xs), s * (f_after - f), atol=1e-9)


@pytest.mark.parametrize("n", range(3, 8))
def test_basins_match_plain_steepest_descent(n):
    rng = np.random.default_rng(7 + n)
    s, p = random_instance(rng, n)
    land = ls.enumerate_configurations(s, p)
    b = ls.basins(land)
    sl, pl = s.tolist(), p.tolist()
    for code, x in ref_configs(n):
        assert b.attractor[code] == ref_attractor(sl, pl, x)


@pytest.mark.parametrize("seed", range(6))
def test_basins_partition_configurations(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 13))
    s, p = random_instance(rng, n, integer=bool(seed % 2))
    land = ls.enumerate_configurations(s, p)
    b = ls.basins(land)
    total = 2 ** (n - 1)
    assert b.counts.sum() == total and b.shares.sum() == pytest.approx(1)
    assert set(np.unique(b.attractor)) == set(b.minima.tolist())
    assert np.all(land.local_minimum[b.attractor])
    assert np.array_equal(b.attractor[b.minima], b.minima)
    np.testing.assert_array_equal(np.diff(land.energies[b.minima]) >= 0, True)
    # descent rule shared with the heuristic: descending from every configuration
    ends = ls.descend(s, p, ls.code_to_sides(np.arange(total), n))
    np.testing.assert_array_equal(ls.sides_to_code(ends), b.attractor)


@pytest.mark.parametrize("seed", range(5))
def test_heuristic_finds_global_minimum(seed):
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(6, 13))
    s, p = random_instance(rng, n, integer=False)
    land = ls.enumerate_configurations(s, p)
    b = ls.basins(land)
    sample = ls.sample_local_minima(s, p, starts=3000, seed=seed)
    codes = ls.sides_to_code(sample.sides)
    assert codes[0] == b.minima[0]
    assert sample.energies[0] == pytest.approx(land.energies.min())
    assert set(codes.tolist()) <= set(b.minima.tolist())
    share = dict(zip(b.minima.tolist(), b.shares.tolist()))
    for c, f in zip(codes.tolist(), sample.frequency):
        assert abs(f - share[c]) < 5 * np.sqrt(share[c] * (1 - share[c]) / 3000) + 1e-9
    again = ls.sample_local_minima(s, p, starts=3000, seed=np.random.default_rng(seed))
    np.testing.assert_array_equal(again.sides, sample.sides)


def test_beyond_exact_limit_uses_sampling(tmp_path, capsys):
    n = ls.EXACT_MAX_ACTORS + 1
    rng = np.random.default_rng(3)
    s, p = random_instance(rng, n)
    with pytest.raises(ValueError, match="sample_local_minima"):
        ls.enumerate_configurations(s, p)
    names = [f"a{i}" for i in range(n)]
    text = "[sizes]\n" + "".join(f"{m} = {v:g}\n" for m, v in zip(names, s))
    for i in range(n):
        row = "".join(f"{names[j]} = {p[i, j]:g}\n" for j in range(i + 1, n))
        text += f"[propensity.{names[i]}]\n" + row
    f = tmp_path / "big.toml"
    f.write_text(text)
    assert app.landscape_main(f, True, None) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["method"] == "sampled" and all(c["local_minimum"] for c in doc["configurations"])


def test_mirror_and_codes_roundtrip():
    rng = np.random.default_rng(5)
    s, p = random_instance(rng, 8)
    x = rng.integers(0, 2, (50, 8))
    np.testing.assert_allclose(ls.energy(s, p, x), ls.energy(s, p, 1 - x))
    codes = ls.sides_to_code(x)
    np.testing.assert_array_equal(ls.sides_to_code(ls.code_to_sides(codes, 8)), codes)


# ------------------------------------------------------------------ input errors


def write(tmp_path, text):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    return f


SIZES = "[sizes]\nA = 1\nB = 2\nC = 3\n"


@pytest.mark.parametrize(
    "text, keypath",
    [
        (SIZES + "[propensity.A]\nB = 1\n[propensity.B]\nA = -1\n", "propensity.B.A"),
        (SIZES + "[propensity.A]\nZ = 1\n", "propensity.A.Z"),
        (SIZES + "[propensity.Z]\nA = 1\n", "propensity.Z"),
        (SIZES + '[propensity.A]\nB = "friendly"\n', "propensity.A.B"),
        (SIZES + "[propensity.A]\nB = true\n", "propensity.A.B"),
        (SIZES + "[propensity.A]\nB = nan\n", "propensity.A.B"),
        (SIZES + "[propensity.A]\nA = 1\n", "propensity.A.A"),
        (SIZES + "[propensity]\nA = 3\n", "propensity.A"),
        ("[sizes]\nA = 1\nB = -2\n", "sizes.B"),
        ("[sizes]\nA = 1\nB = 0\n", "sizes.B"),
        ('[sizes]\nA = 1\nB = "big"\n', "sizes.B"),
        ('[sizes]\nA = 1\n"B C" = -1\n', 'sizes."B C"'),
        ("[sizes]\nA = 1\n", "sizes"),
        ("[size]\nA = 1\nB = 1\n", "size"),
        ("[sizes\nA = 1\n", "(top level)"),
    ],
)
def test_input_errors_name_the_key_path(tmp_path, text, keypath):
    f = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        app.load_landscape_file(f)
    assert info.value.keypath == keypath
    assert info.value.file == str(f)
    assert "\n" not in str(info.value) and str(info.value).startswith(f"{f}: {keypath} = ")


def test_same_value_both_ways_is_fine(tmp_path):
    f = write(tmp_path, SIZES + "[propensity.A]\nB = 1.0\n[propensity.B]\nA = 1\nC = -2\n")
    names, s, p = app.load_landscape_file(f)
    assert names == ("A", "B", "C")
    np.testing.assert_array_equal(p, [[0, 1, 0], [1, 0, -2], [0, -2, 0]])


def test_missing_file(tmp_path, capsys):
    f = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError) as info:
        app.load_landscape_file(f)
    assert info.value.file == str(f) and "existing" in info.value.allowed
    assert app.landscape_main(f, False, None) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(f) in err


def test_numeric_api_rejects_bad_arrays():
    with pytest.raises(ValueError, match="symmetric"):
        ls.enumerate_configurations([1, 1, 1], [[0, 1, 0], [0, 0, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="positive"):
        ls.enumerate_configurations([1, 0, 1], np.zeros((3, 3)))


def test_tomllib_reads_examples():
    # the committed files stay valid TOML for plain readers too
    for f in (EXAMPLE, SYRIA / "syria.toml"):
        assert set(tomllib.loads(f.read_text())) == {"sizes", "propensity"}


def switch_deltas(sizes, prop, sides) -> np.ndarray:
    """dE_i for moving each actor alone to the other side; (..., n) (the module docstring's rule)."""
    w = ls.weight_matrix(sizes, prop)
    x = np.asarray(sides, dtype=float)
    return w.sum(axis=1) - 2 * ls._cross_weight(w, x)
