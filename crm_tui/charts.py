"""Bars and sparklines as plain text, shared by `crm report` and the app's Dashboard.

A block character per eighth of a cell is all a horizontal bar needs: no plotting library.
"""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"


def bar(value: float, most: float, width: int) -> str:
    """A horizontal bar of `value` out of `most`, `width` cells at most, in eighths of a cell."""
    if most <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(8 * width * min(value, most) / most))
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def sparkline(values: Sequence[float]) -> str:
    """One character per value, from ▁ (the least) to █ (the most); a blank for zero."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    out = []
    for value in values:
        level = 0 if span == 0 else round((value - low) / span * (len(SPARKS) - 1))
        out.append(SPARKS[level] if (value or high == 0) else " ")
    return "".join(out)
