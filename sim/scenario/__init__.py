"""Scenario files as data: TOML read, `extends` resolved, `--set` overrides applied, validated.

    >>> from sim import scenario
    >>> s = scenario.load("scenarios/june_war_pivot.toml", ["actors.china.resolve=0.5"])
    >>> s.actor_ids
    ('iran', 'china', 'russia', 'us', 'israel')

Nothing in a file is executed; a bad value raises `sim.core.errors.ScenarioError` naming the
file, the key path, the value and what is allowed.
"""

from sim.core.errors import ScenarioError
from sim.scenario.files import (apply_overrides, chain_root, leaf_paths, merge, parse_override, read_toml,
                                resolve_file, with_defaults)
from sim.scenario.spec import Scenario, default_pairs, load, parameter_keys, validate

__all__ = ["Scenario", "ScenarioError", "apply_overrides", "chain_root", "default_pairs", "leaf_paths", "load", "merge",
           "parameter_keys", "parse_override", "read_toml", "resolve_file", "validate", "with_defaults"]
