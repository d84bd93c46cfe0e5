"""Writing TOML values (the standard library reads TOML but does not write it)."""

from __future__ import annotations

import json
import math
import re

import numpy as np


def toml_literal(v) -> str:
    """A value as a TOML literal, for `--set KEY=VALUE` and for generated files."""
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        v = v.item()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"not a finite number: {v}")
        return repr(v)
    if isinstance(v, str):
        # a TOML basic string: JSON's escapes are valid TOML for the characters it escapes
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_literal(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_literal(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(k: str) -> str:
    """name as a TOML key: bare when it can be, quoted otherwise."""
    return k if _BARE.match(k) else toml_literal(str(k))
