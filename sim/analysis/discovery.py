"""Scenario discovery: which parameter ranges lead to an outcome (PRIM, Friedman & Fisher 1999).

Given sampled parameter values x (n, d) and a yes/no outcome y (n,), PRIM looks for a box
(an interval per parameter) in which the outcome is much more frequent than overall:

    peeling   repeatedly cut a share `peel_alpha` of the cases in the box off one side of one
              parameter, choosing the cut that leaves the highest density, until fewer than
              `mass_min` of all cases remain. Each step is a box on the peeling trajectory;
    choose    the box on the trajectory that trades coverage against density as asked: with
              `threshold`, the box of largest coverage whose density reaches it; otherwise the
              largest box whose density is within 1.96 standard errors of the densest box that
              keeps at least `min_coverage` of the cases of interest;
    pasting   widen the chosen box again, a share `paste_alpha` at a time, while that raises its
              density (peeling is greedy and may have cut too far);
    simplify  drop restrictions that do not matter: one whose quasi-p-value is above 0.05, or
              whose removal keeps the density within one percentage point.

    coverage = cases of interest inside the box / all cases of interest
    density  = cases of interest inside the box / all cases inside the box
    mass     = cases inside the box / all cases

The quasi-p-value of a restriction (as in the EMA Workbench) is the one-sided binomial test of
the box's hits against the density of the box with that restriction removed: small means the
restriction is doing work. With `boxes` > 1 the cases in the first box are removed and PRIM is
run again on the rest ("covering").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Box:
    """A PRIM box: inclusive bounds per input, with its coverage, density and mass."""
    limits: np.ndarray      # (d, 2) low, high (inclusive)
    coverage: float
    density: float
    mass: float
    n: int                  # cases in the box
    hits: int               # cases of interest in the box

    def restricted(self, bounds: np.ndarray, tol: float = 1e-12) -> np.ndarray:
        """(d,) bool: the box limits a parameter inside its sampled range."""
        return (self.limits[:, 0] > bounds[:, 0] + tol) | (self.limits[:, 1] < bounds[:, 1] - tol)


@dataclass
class BoxResult:
    """One box found by PRIM: its peeling trajectory, the box chosen from it (pasted and
    simplified) and the quasi-p-values of its restrictions."""
    trajectory: list[Box]          # peeling trajectory, from the full box
    chosen: int                    # index into trajectory of the box that was pasted
    box: Box                       # the final (pasted, simplified) box
    qp: np.ndarray                 # (d,) quasi-p-values (NaN where unrestricted)
    restricted: np.ndarray         # (d,) bool
    outside_density: float         # density among the cases outside every box so far


@dataclass
class Prim:
    """PRIM scenario discovery over sampled inputs: the boxes found, one after another."""
    names: tuple[str, ...]
    bounds: np.ndarray             # (d, 2) sampled ranges
    n: int
    positives: int
    boxes: list[BoxResult] = field(default_factory=list)

    @property
    def base_density(self) -> float:
        """The share of cases of interest among all runs."""
        return self.positives / self.n if self.n else float("nan")


def _in_box(x: np.ndarray, limits: np.ndarray) -> np.ndarray:
    return np.all((x >= limits[:, 0]) & (x <= limits[:, 1]), axis=1)


def _box(x, y, limits, total_pos, total_n) -> Box:
    inside = _in_box(x, limits)
    n = int(inside.sum())
    hits = int(y[inside].sum())
    return Box(limits.copy(), hits / total_pos if total_pos else 0.0, hits / n if n else 0.0,
               n / total_n, n, hits)


def peel(x, y, bounds, peel_alpha=0.05, mass_min=0.05, total_pos=None, total_n=None) -> list[Box]:
    """The peeling trajectory from the full box."""
    total_pos = int(y.sum()) if total_pos is None else total_pos
    total_n = len(y) if total_n is None else total_n
    limits = bounds.astype(float).copy()
    traj = [_box(x, y, limits, total_pos, total_n)]
    inside = _in_box(x, limits)
    d = x.shape[1]
    while True:
        xi, yi = x[inside], y[inside]
        n_in = len(yi)
        if n_in == 0 or yi.mean() >= 1.0:
            break
        best = None
        for j in range(d):
            col = xi[:, j]
            for side in (0, 1):
                q = np.quantile(col, peel_alpha if side == 0 else 1 - peel_alpha, method="lower" if side == 0 else "higher")
                keep = col > q if side == 0 else col < q
                # ties at the quantile: cut at q only when it removes something and keeps something
                if keep.all() or not keep.any():
                    continue
                m = int(keep.sum())
                if m / total_n < mass_min:
                    continue
                dens = yi[keep].mean()
                cand = (dens, m, -j, -side)     # highest density; then the larger box; then order
                if best is None or cand > best[0]:
                    best = (cand, j, side, keep)
        if best is None:
            break
        _, j, side, keep = best
        col = xi[:, j][keep]
        if side == 0:
            limits[j, 0] = col.min()
        else:
            limits[j, 1] = col.max()
        inside = _in_box(x, limits)
        traj.append(_box(x, y, limits, total_pos, total_n))
    return traj


def paste(x, y, box: Box, bounds, paste_alpha=0.05, total_pos=None, total_n=None) -> Box:
    """Widen one side of one parameter at a time while it raises the density."""
    total_pos = int(y.sum()) if total_pos is None else total_pos
    total_n = len(y) if total_n is None else total_n
    limits = box.limits.copy()
    current = box
    d = x.shape[1]
    while True:
        inside = _in_box(x, limits)
        n_add = max(1, int(np.ceil(paste_alpha * inside.sum())))
        best = None
        for j in range(d):
            others = np.ones(len(y), bool)
            for k in range(d):
                if k != j:
                    others &= (x[:, k] >= limits[k, 0]) & (x[:, k] <= limits[k, 1])
            for side in (0, 1):
                if side == 0:
                    cand_pts = np.sort(x[others & (x[:, j] < limits[j, 0]), j])[::-1]
                else:
                    cand_pts = np.sort(x[others & (x[:, j] > limits[j, 1]), j])
                if cand_pts.size == 0:
                    continue
                new = limits.copy()
                new[j, side] = cand_pts[min(n_add, cand_pts.size) - 1]
                b = _box(x, y, new, total_pos, total_n)
                if b.density > current.density + 1e-12 and (best is None or b.density > best.density):
                    best = b
        if best is None:
            return current
        current = best
        limits = best.limits.copy()


def quasi_p(x, y, box: Box, bounds) -> np.ndarray:
    """One-sided binomial test of the box's hits against the density without restriction j."""
    d = x.shape[1]
    out = np.full(d, np.nan)
    if box.n == 0:
        return out
    for j in np.flatnonzero(box.restricted(bounds)):
        relaxed = box.limits.copy()
        relaxed[j] = bounds[j]
        inside = _in_box(x, relaxed)
        p = y[inside].mean() if inside.any() else 0.0
        out[j] = stats.binomtest(box.hits, box.n, min(max(p, 0.0), 1.0), alternative="greater").pvalue
    return out


def simplify(x, y, box: Box, bounds, total_pos, total_n, tol=0.01, alpha=0.05) -> Box:
    """Drop, one at a time (cheapest first), restrictions that are not significant (quasi-p above
    `alpha`) or buy less than `tol` density."""
    while True:
        qp = quasi_p(x, y, box, bounds)
        best = None
        for j in np.flatnonzero(box.restricted(bounds)):
            relaxed = box.limits.copy()
            relaxed[j] = bounds[j]
            b = _box(x, y, relaxed, total_pos, total_n)
            loss = box.density - b.density
            if (loss < tol or qp[j] > alpha) and (best is None or loss < best[0]):
                best = (loss, b)
        if best is None:
            return box
        box = best[1]


def choose(trajectory: list[Box], min_coverage: float = 0.5, threshold: float | None = None,
           share: float = 1.0) -> int:
    """Index of the box to keep.

    With threshold: the largest coverage whose density reaches it (if none does, the densest).
    Otherwise: among boxes keeping at least `min_coverage` of the cases of interest, take the
    densest, then step back up the trajectory to the largest box whose density is within 1.96
    standard errors of it - peeling further only chases noise, giving up coverage for nothing.
    `share`: the share of all cases of interest still uncovered (covering: later boxes keep
    `min_coverage` of what is left)."""
    dens = np.array([b.density for b in trajectory])
    cov = np.array([b.coverage for b in trajectory])
    if threshold is not None:
        ok = np.flatnonzero(dens >= threshold)
        if ok.size:
            return int(ok[np.argmax(cov[ok])])
        return int(np.argmax(dens))
    ok = np.flatnonzero(cov >= min_coverage * share - 1e-12)
    if not ok.size:
        return 0
    k = int(ok[np.argmax(dens[ok])])
    best = trajectory[k]
    se = np.sqrt(best.density * (1 - best.density) / max(best.n, 1))
    near = ok[dens[ok] >= best.density - 1.96 * se]
    return int(near[np.argmax(cov[near])])


def prim(x, y, names=None, bounds=None, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05,
         min_coverage=0.5, threshold=None, boxes=1) -> Prim:
    """PRIM on samples x (n, d) and a yes/no outcome y (n,). bounds (d, 2) default to the
    sampled ranges."""
    x = np.asarray(x, float)
    y = np.asarray(y).astype(float)
    n, d = x.shape
    names = tuple(names) if names is not None else tuple(f"x{j}" for j in range(d))
    bounds = np.column_stack([x.min(axis=0), x.max(axis=0)]) if bounds is None else np.asarray(bounds, float)
    total_pos = int(y.sum())
    out = Prim(names, bounds, n, total_pos)
    remaining = np.ones(n, bool)
    for _ in range(boxes):
        xr, yr = x[remaining], y[remaining]
        if yr.sum() == 0:
            break
        traj = peel(xr, yr, bounds, peel_alpha, mass_min, total_pos, n)
        k = choose(traj, min_coverage, threshold, share=yr.sum() / total_pos)
        b = paste(xr, yr, traj[k], bounds, paste_alpha, total_pos, n)
        b = simplify(xr, yr, b, bounds, total_pos, n)
        qp = quasi_p(xr, yr, b, bounds)
        remaining = remaining & ~_in_box(x, b.limits)
        rest = y[remaining]
        out.boxes.append(BoxResult(traj, k, b, qp, b.restricted(bounds),
                                   float(rest.mean()) if rest.size else float("nan")))
        if b.mass >= 0.999:
            break
    return out


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def rules(result: Prim, labels: dict | None = None, outcome: str = "the outcome") -> str:
    """Readable rules, e.g. 'Russia: reliability >= 0.62 AND ...', with coverage and density."""
    labels = labels or {}
    lines = [f"Scenario discovery (PRIM) for: {outcome}",
             f"{result.n} cases, {result.positives} with the outcome "
             f"(base rate {result.base_density:.0%}).", ""]
    if not result.boxes:
        lines.append("No case has the outcome; no box.")
    for k, br in enumerate(result.boxes, 1):
        b = br.box
        lines.append(f"Box {k}: coverage {b.coverage:.0%} (share of all cases with the outcome that lie "
                     f"in the box), density {b.density:.0%} (share of cases in the box with the outcome), "
                     f"{b.mass:.0%} of all cases.")
        conds = condition_lines(result, br, labels)
        if not conds:
            lines.append("  (no restriction: the outcome is spread over the whole sampled space)")
        for j, c in enumerate(conds):
            lines.append(("  IF   " if j == 0 else "  AND  ") + c)
        lines.append(f"  Outside {'this box' if k == 1 else 'boxes 1..' + str(k)} the outcome occurs in "
                     f"{br.outside_density:.0%} of cases.")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def condition_lines(result: Prim, br: BoxResult, labels: dict) -> list[str]:
    """The chosen box's restricted inputs as readable conditions, one per line."""
    out = []
    for j in np.flatnonzero(br.restricted):
        name = result.names[j]
        lab = labels.get(name, name)
        lo, hi = br.box.limits[j]
        blo, bhi = result.bounds[j]
        if lo > blo and hi < bhi:
            cond = f"{_fmt(lo)} <= {lab} <= {_fmt(hi)}"
        elif lo > blo:
            cond = f"{lab} >= {_fmt(lo)}"
        else:
            cond = f"{lab} <= {_fmt(hi)}"
        qp = br.qp[j]
        out.append(f"{cond}   (sampled {_fmt(blo)}..{_fmt(bhi)}; quasi-p {qp:.2g})")
    return out
