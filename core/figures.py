"""Report arithmetic: ratios rounded the way the city's tables round them, dotted keys."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from django.utils.translation import pgettext_lazy

# The counter words of the city's table (件, 回, 人, パック), for ReportRow.unit.
UNIT_COUNT = pgettext_lazy("report unit", "count")
UNIT_TIMES = pgettext_lazy("report unit", "times")
UNIT_PEOPLE = pgettext_lazy("report unit", "people")
UNIT_PACKS = pgettext_lazy("report unit", "packs")
UNIT_PERCENT = "%"

# Below this many women a count is not shown outside the programme (it could name her).
SMALL_CELL = 5
SMALL_CELL_TEXT = "<5"


def outside_count(value: Any) -> Any:
    """A count of people as it may leave the programme: 1 to 4 read "<5" (small-cell
    suppression); 0, 5 and more, and anything that is not a count, stay as they are. Counts of
    things (packs, consultations, sessions) are not passed through this."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL_CELL:
        return SMALL_CELL_TEXT
    return value


def round_half_up(value: Fraction | int, places: int = 1) -> float:
    """`value` rounded half up (10.25 → 10.3, not the banker's 10.2), exactly: the value is a
    Fraction, so 10.295… computed from counts is never nudged by binary floating point."""
    scale = 10**places
    return math.floor(Fraction(value) * scale + Fraction(1, 2)) / scale


def ratio(numerator: int, denominator: int, *, percent: bool = False) -> float:
    """numerator / denominator (× 100 for a percentage), rounded half up to one decimal;
    0.0 when there is nothing to divide by, so an empty period reads as zeros."""
    if not denominator:
        return 0.0
    return round_half_up(Fraction(numerator * (100 if percent else 1), denominator))


def deep_merge(into: dict[str, Any], more: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    """Merge nested mappings; two sources of one key is a programming error, raised."""
    for key, value in more.items():
        dotted = f"{path}.{key}" if path else key
        if isinstance(value, Mapping):
            existing = into.setdefault(key, {})
            if not isinstance(existing, dict):
                raise ValueError(f"report key {dotted!r} is both a figure and a group")
            deep_merge(existing, value, dotted)
        elif key in into:
            raise ValueError(f"report key {dotted!r} is given by two sections")
        else:
            into[key] = value
    return into


def flatten(nested: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    """{"line": {"follows": 3}} → {"line.follows": 3}, in the mapping's order."""
    flat: dict[str, Any] = {}
    for key, value in nested.items():
        dotted = f"{path}.{key}" if path else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, dotted))
        else:
            flat[dotted] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"line.follows": 3} → {"line": {"follows": 3}}: flatten's inverse."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, last = dotted.split(".")
        holder = nested
        for part in parents:
            holder = holder.setdefault(part, {})
        holder[last] = value
    return nested


def dig(nested: Mapping[str, Any], dotted: str, default: Any = None) -> Any:
    """The value under a dotted key, or `default`."""
    value: Any = nested
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value
