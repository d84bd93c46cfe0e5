"""Reading validated values out of parsed TOML, with key paths for error messages."""

from __future__ import annotations

import difflib
import re

import numpy as np

from sim.scenario.distribution import Value, parse_value
from sim.core.errors import ScenarioError

_MISSING = object()
REQUIRED = _MISSING   # the default of a key a table must give
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})")
# what the ids a file declares look like: they name files, HTML attributes and --set key paths,
# so they can never be a path or markup
IDENT = re.compile(r"[a-z][a-z0-9_]{0,63}")
IDENT_TEXT = "^[a-z][a-z0-9_]{0,63}$: a lower-case letter, then up to 63 lower-case letters, digits or _"
YEARS = (1900, 2200)
MAX_STEP = 1200   # the longest horizon a scenario may have (time.steps)


def close_matches(word: str, options) -> str:
    """' (did you mean x, y?)' for the options close to word, or ''."""
    near = difflib.get_close_matches(word, [o for o in options if o != word], n=3, cutoff=0.5)
    return f" (did you mean {', '.join(near)}?)" if near else ""


class Table:
    """A TOML table being read; remembers which keys were used so leftovers are errors."""

    def __init__(self, data, file, path: str = ""):
        if not isinstance(data, dict):
            raise ScenarioError(file, path, data, "expected a table")
        self.data, self.file, self.path, self.used = data, file, path, set()

    def at(self, key: str) -> str:
        """The key path of key in this table, for messages."""
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        """Whether the table gives key."""
        return key in self.data

    def raw(self, key: str, default=_MISSING):
        """The value of key as parsed (marked as read); default if absent, else an error."""
        self.used.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise ScenarioError(self.file, self.at(key), "(missing)", "this key is required")
            return default
        return self.data[key]

    def value(self, key, lo=-np.inf, hi=np.inf, default=_MISSING) -> Value:
        """A number or distribution within [lo, hi] (see distribution.parse_value)."""
        raw = self.raw(key, default)
        return parse_value(raw, self.file, self.at(key), lo, hi)

    def number(self, key, lo=-np.inf, hi=np.inf, default=_MISSING, integer=False) -> float:
        """A plain number within [lo, hi] (an integer if asked)."""
        raw = self.raw(key, default)
        ok = isinstance(raw, (int, float)) and not isinstance(raw, bool) and lo <= raw <= hi
        if ok and integer:
            ok = isinstance(raw, int) or float(raw).is_integer()
        if not ok:
            kind = "an integer" if integer else "a number"
            raise ScenarioError(self.file, self.at(key), raw,
                                f"must be {kind} in [{lo:g}, {hi:g}]")
        return int(raw) if integer else float(raw)

    def string(self, key, default=_MISSING, choices=None) -> str:
        """A string, one of choices if given."""
        raw = self.raw(key, default)
        if not isinstance(raw, str) or (choices is not None and raw not in choices):
            allowed = "one of " + ", ".join(choices) if choices else "must be a string"
            raise ScenarioError(self.file, self.at(key), raw, allowed)
        return raw

    def boolean(self, key, default=_MISSING) -> bool:
        """true or false."""
        raw = self.raw(key, default)
        if not isinstance(raw, bool):
            raise ScenarioError(self.file, self.at(key), raw, "must be true or false")
        return raw

    def table(self, key, default=_MISSING) -> "Table":
        """A sub-table, as a Table whose messages carry its key path."""
        raw = self.raw(key, default)
        return Table(raw, self.file, self.at(key))

    def ident(self, key, known, what="actor") -> str:
        """An id from known (an actor by default)."""
        raw = self.raw(key)
        return check_ident(raw, known, self.file, self.at(key), what)

    def items(self):
        """(key, value) pairs, every key marked as read."""
        for key in self.data:
            self.used.add(key)
            yield key, self.data[key]

    def finish(self, allowed=None):
        """Reject keys nobody read: a typo must not silently become a default."""
        allowed = set(allowed) if allowed is not None else self.used
        for key in self.data:
            if key not in allowed:
                raise ScenarioError(self.file, self.at(key), self.data[key],
                                    "unknown key; allowed: " + ", ".join(sorted(allowed))
                                    + close_matches(key, allowed))


def check_ident(raw, known, file, path, what="actor") -> str:
    """raw if it is one of known; else a ScenarioError listing them."""
    if not isinstance(raw, str) or raw not in known:
        raise ScenarioError(file, path, raw, f"unknown {what}; known: " + ", ".join(known)
                            + (close_matches(raw, known) if isinstance(raw, str) else ""))
    return raw


def check_id(raw, file, path, what) -> str:
    """raw if it is a valid id for a thing a file declares (an actor, issue, shock, corridor,
    a scenario name); else a ScenarioError naming the rule."""
    if not isinstance(raw, str) or not IDENT.fullmatch(raw):
        raise ScenarioError(file, path, raw, f"not a valid {what} id; ids match {IDENT_TEXT}")
    return raw


def parse_month(raw, file, path) -> tuple[int, int]:
    """'YYYY-MM' as (year, month), the year within YEARS."""
    m = _DATE.fullmatch(raw) if isinstance(raw, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12 or not YEARS[0] <= int(m.group(1)) <= YEARS[1]:
        raise ScenarioError(file, path, raw, f'expected a month "YYYY-MM" from {YEARS[0]}-01 to {YEARS[1]}-12')
    return int(m.group(1)), int(m.group(2))


def to_step(raw, start: tuple[int, int], file, path) -> int:
    """A date "YYYY-MM" or a step number -> step index (step 0 is the start month)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if not 0 <= raw <= MAX_STEP:
            raise ScenarioError(file, path, raw, f'a step must be in [0, {MAX_STEP}] (or give a date "YYYY-MM")')
        return raw
    y, m = parse_month(raw, file, path)
    step = (y - start[0]) * 12 + (m - start[1])
    if step < 0:
        raise ScenarioError(file, path, raw,
                            f"is before the scenario start {start[0]:04d}-{start[1]:02d}")
    return step


def step_date(start: tuple[int, int], step: int) -> str:
    """The month of step `step` as 'YYYY-MM' (step 0 is `start`)."""
    months = start[0] * 12 + start[1] - 1 + step
    return f"{months // 12:04d}-{months % 12 + 1:02d}"
