"""`alignsim calibrate FILE` and `alignsim hindcast FILE`: estimate the dynamics weights from UN
General Assembly votes, and run the calibrated scenario against them (docs/VALIDATION.md, Calibration).

The calibration layer computes and writes the files; the figures layer draws them; this module
joins the two and the command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.core.paths import UNGA_AGREEMENT as DEFAULT_DATA

CALIBRATE_HELP = """\
Estimate dynamics weights (and inputs the file gives as distributions, e.g. the size of a change of
positions) from yearly UN General Assembly agreement, by sequential Monte Carlo over the runs' fit
(docs/VALIDATION.md, Calibration). Writes, into --out:
  posterior.csv     the posterior sample: one row per particle
  parameters.csv    each parameter's prior and posterior (mean, sd, 5/50/95%), and the ratio of widths
  calibrated.toml   the weights as distributions, for any scenario to `extends`
  fit.csv           predicted agreement per pair and year (observed.csv: the data)
  manifest.json     options, the measurement model's fitted values, the sampler's stages, timings
  figures/          posteriors against priors, fit per pair
The sampler's state is saved after every step: an interrupted calibration is finished with the
same command and --resume DIR in place of --out DIR."""

HINDCAST_HELP = """\
Run the calibrated scenario (each run one draw of the posterior) and write, into --out:
  forecast.csv   year, a, b, median, q05, q95: predicted agreement per pair and year
  observed.csv   the data; skill.csv: MAE, 90% coverage and skill against persistence and the pair's
                 mean, in-sample and after the calibration's last year
  figures/       observed against predicted per pair, 90% bands, where the data ends"""


def add_calibrate_parser(sub) -> None:
    """Register `alignsim calibrate`."""
    c = sub.add_parser("calibrate", help="estimate the dynamics weights from UN General Assembly votes",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=CALIBRATE_HELP)
    c.add_argument("scenario", metavar="SCENARIO", help="scenario file or name (e.g. hindcast_2005)")
    where = c.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=None, help="calibration folder (default results/NAME_calibration)")
    where.add_argument("--resume", type=Path, default=None, metavar="DIR", help="finish an interrupted calibration")
    c.add_argument("--overwrite", action="store_true", help="replace a calibration in the folder")
    c.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"yearly pair agreement CSV (default {DEFAULT_DATA})")
    c.add_argument("--until", type=int, default=None, help="last year of data used (default: the last in the scenario)")
    c.add_argument("--parameters", default=None, metavar="KEY,KEY",
                   help="what to estimate: weight names or key paths (default: twelve alignment weights and any "
                        "position change the file gives as a distribution)")
    c.add_argument("--particles", type=int, default=400, help="SMC particles (default 400)")
    c.add_argument("--replicates", type=int, default=24, help="runs per parameter set (default 24)")
    c.add_argument("--moves", type=int, default=3, help="Metropolis moves per stage (default 3)")
    c.add_argument("--seed", type=int, default=20250613, help="root seed (default 20250613)")
    c.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.add_argument("--dir", default=None, help="folder of named scenarios (default ./scenarios)")


def add_hindcast_parser(sub) -> None:
    """Register `alignsim hindcast`."""
    h = sub.add_parser("hindcast", help="run the calibrated scenario and score it on UN General Assembly votes",
                       formatter_class=argparse.RawDescriptionHelpFormatter, description=HINDCAST_HELP)
    h.add_argument("scenario", metavar="SCENARIO", help="scenario file or name (e.g. hindcast_2005)")
    h.add_argument("--calibration", type=Path, default=None, metavar="DIR",
                   help="a calibration folder (default data/calibration/NAME, the committed one)")
    h.add_argument("--out", type=Path, default=None, help="result folder (default results/NAME_hindcast)")
    h.add_argument("--overwrite", action="store_true", help="replace a result folder")
    h.add_argument("--runs", type=int, default=1000, help="runs (default 1000)")
    h.add_argument("--seed", type=int, default=None, help="root seed (default: the calibration's)")
    h.add_argument("--data", type=Path, default=None, help="agreement CSV to score against (default: the calibration's)")
    h.add_argument("--no-figures", action="store_true", help="skip drawing figures")
    h.add_argument("--dir", default=None, help="folder of named scenarios (default ./scenarios)")


def _positive(name: str, value: int, low: int = 1) -> None:
    from sim.core.errors import ScenarioError
    if value < low:
        raise ScenarioError(f"--{name}", None, value, f"must be at least {low}")


class Progress:
    """A tqdm bar over scored parameter sets, its label the sampler's stage and temperature."""

    def __init__(self, quiet: bool, name: str):
        self.bar = None
        if not quiet:
            from tqdm import tqdm
            self.bar = tqdm(unit="set", desc=f"{name}: prior", file=sys.stderr, dynamic_ncols=True, smoothing=0.05)

    def tick(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def __call__(self, state) -> None:
        if self.bar is not None:
            self.bar.set_description(f"stage {state.stage}, phi {state.phi:.3g}, move {state.moved}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def calibrate_main(args) -> int:
    """`alignsim calibrate`."""
    from sim import scenario
    from sim.apps.catalog import find
    from sim.calibration.calibrate import Options, calibrate
    for name in ("particles", "replicates", "moves"):
        _positive(name, getattr(args, name), 2 if name != "moves" else 1)
    scen = scenario.load(find(args.scenario, "scenarios", args.dir))
    out = args.resume or args.out or Path("results") / f"{scen.name}_calibration"
    keys = tuple(k.strip() for k in args.parameters.split(",") if k.strip()) if args.parameters else None
    opts = Options(data=args.data, until=args.until, keys=keys, particles=args.particles,
                   replicates=args.replicates, moves=args.moves, seed=args.seed, workers=args.workers)
    bar = Progress(args.quiet, scen.name)
    try:
        man = calibrate(scen, out, opts, resume=args.resume is not None, overwrite=args.overwrite, progress=bar)
    except KeyboardInterrupt:
        print(f"\nalignsim: interrupted; finish with the same command and --resume {out}", file=sys.stderr)
        return 130
    finally:
        bar.close()
    from sim.figures.calibration import draw_calibration
    draw_calibration(out)
    s = man["sampler"]
    print(f"{len(man['parameters'])} parameters, {opts.particles} particles x {opts.replicates} runs, "
          f"{s['stages']} stages, {s['evaluations']:,} parameter sets in {man['timings']['total_seconds']:.0f} s "
          f"on {man['timings']['workers']} workers; data {man['data']['start_years'][1]}-{man['data']['until']}")
    print(f"results in {out}/  (parameters.csv, posterior.csv, calibrated.toml, figures/)")
    return 0


def hindcast_main(args) -> int:
    """`alignsim hindcast`."""
    from sim import scenario
    from sim.apps.catalog import find
    from sim.calibration.forecast import hindcast
    _positive("runs", args.runs, 2)
    t0 = time.perf_counter()
    scen = scenario.load(find(args.scenario, "scenarios", args.dir))
    calibration = args.calibration or Path("data/calibration") / scen.name
    out = args.out or Path("results") / f"{scen.name}_hindcast"
    man = hindcast(scen, calibration, out, runs=args.runs, seed=args.seed, data=args.data, overwrite=args.overwrite)
    if not args.no_figures:
        from sim.figures.calibration import draw_hindcast
        draw_hindcast(out)
    for r in man["skill"]:
        print(f"  {r['period']:<14} {r['years']}  MAE {r['mae_model']:.3f}  (persistence {r['mae_persistence']:.3f}, "
              f"pair mean {r['mae_pair_mean']:.3f})  skill vs persistence {r['skill_persistence']:+.2f}  "
              f"90% coverage {r['coverage90']:.0%}")
    print(f"{args.runs:,} runs in {time.perf_counter() - t0:.0f} s; results in {out}/  (forecast.csv, skill.csv, figures/)")
    return 0
