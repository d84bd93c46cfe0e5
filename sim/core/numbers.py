"""Numbers as a reader sees them in figures, reports and the terminal: shares that are never
rounded to 0% or 100% unless they are exactly that, and estimates rounded to what their
interval supports."""

from __future__ import annotations

import math


def percent(p: float) -> str:
    """A share as a percentage, with as few digits as keep it honest.

    Whole percent from 1% to 99%; one decimal below 1%, and above 99% wherever whole percent
    would round a share that is not 1 up to "100%"; "< 0.1%" or "> 99.9%" when one decimal
    would still round it to 0 or 100.

    Parameters
    ----------
    p : float
        A share in [0, 1]; NaN gives "–".

    Returns
    -------
    str

    Examples
    --------
    >>> [percent(x) for x in (0.0, 0.0004, 0.004, 0.06, 0.5, 0.994, 0.9962, 0.99996, 1.0)]
    ['0%', '< 0.1%', '0.4%', '6%', '50%', '99%', '99.6%', '> 99.9%', '100%']
    """
    if p != p:
        return "–"
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    x = 100 * p
    whole = f"{x:.0f}"
    if 1 <= float(whole) <= 99:
        return whole + "%"
    text = f"{x:.1f}"
    if float(text) <= 0:
        return "< 0.1%"
    if float(text) >= 100:
        return "> 99.9%"
    return text + "%"


def percent_interval(p: float, low: float, high: float) -> str:
    """A share and its interval, e.g. "99.6% (99.1–99.8%)".

    The ends are bounds, so an end that would read "< 0.1%" or "> 99.9%" is written 0% or
    100%: rounded outward, as a bound may be.

    Parameters
    ----------
    p, low, high : float
        The estimate and the ends of its interval, as shares.

    Returns
    -------
    str

    Examples
    --------
    >>> percent_interval(1.0, 0.9962, 1.0), percent_interval(0.0, 1e-18, 0.0038)
    ('100% (99.6–100%)', '0% (0–0.4%)')
    >>> percent_interval(0.999, 0.9942, 0.99996)
    '99.9% (99–100%)'
    """
    lo = percent(low).replace("< 0.1%", "0%")
    hi = percent(high).replace("> 99.9%", "100%")
    return f"{percent(p)} ({lo.rstrip('%')}–{hi})"


def signed(v: float, digits: int = 2, minus: str = "-") -> str:
    """A value with its sign, where a value that rounds to zero reads "0.00", never "-0.00".

    Examples
    --------
    >>> signed(0.531), signed(-0.0004), signed(-0.87, minus="\u2212")
    ('+0.53', '0.00', '\u22120.87')
    """
    text = f"{v:+.{digits}f}"
    if float(text) == 0:
        return text[1:]
    return text.replace("-", minus)


def decimals_for(low: float, high: float, most: int = 4) -> int:
    """How many decimals an estimate with this interval supports: one significant digit of the
    interval's half-width.

    Parameters
    ----------
    low, high : float
        The interval; NaN or an empty interval gives 2.
    most : int
        The most decimals to return.

    Returns
    -------
    int

    Examples
    --------
    >>> decimals_for(25.9, 26.8), decimals_for(0.41, 0.44), decimals_for(10.0, 30.0)
    (1, 2, 0)
    """
    half = (high - low) / 2
    if not half > 0 or not math.isfinite(half):
        return 2
    return int(min(most, max(0, -math.floor(math.log10(half)))))


def estimate_interval(est: float, low: float, high: float, signed: bool = False) -> str:
    """An estimate and its interval, rounded to what the interval supports: 26.335 with
    (25.91, 26.76) reads "26.3 (25.9 to 26.8)".

    Parameters
    ----------
    est, low, high : float
    signed : bool
        Write a sign on every number (for differences).

    Returns
    -------
    str
    """
    d = decimals_for(low, high)
    f = f"{{:{'+' if signed else ''}.{d}f}}"
    return f"{f.format(est)} ({f.format(low)} to {f.format(high)})"
