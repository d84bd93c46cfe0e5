"""Argument types shared by the commands: positive numbers and figure formats."""

from __future__ import annotations

import argparse

FORMATS = ("png", "svg", "pdf")   # as sim.figures.style.FORMATS, without importing matplotlib to parse


def formats(text: str) -> tuple[str, ...]:
    """--formats png,svg -> ("png", "svg"); an unknown format is an argument error (exit 2)."""
    out = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"{text!r}: a comma-separated list of {', '.join(FORMATS)}")
    return out


def positive(kind):
    """An argparse type: a number of `kind` above zero."""
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return v
    return parse
