"""A bar chart drawn on the server as SVG: no script and no style attribute, so it shows under
the strict CSP and prints as it is."""

from __future__ import annotations

from collections.abc import Sequence

WIDTH, HEIGHT, AXIS = 720, 240, 30


def bar_chart(values: Sequence[tuple[str, int]]) -> dict:
    """Bars for (label, value) pairs: each bar's position, size, label and value."""
    top = max((v for _label, v in values), default=0) or 1
    n = max(len(values), 1)
    slot = (WIDTH - AXIS) / n
    bars = []
    for i, (label, value) in enumerate(values):
        height = round((HEIGHT - AXIS) * value / top, 1)
        bars.append(
            {
                "x": round(AXIS + i * slot + slot * 0.15, 1),
                "y": round(HEIGHT - AXIS - height, 1),
                "width": round(slot * 0.7, 1),
                "height": height,
                "label": label,
                "value": value,
                "label_x": round(AXIS + i * slot + slot / 2, 1),
            }
        )
    return {"width": WIDTH, "height": HEIGHT, "base": HEIGHT - AXIS, "bars": bars, "top": top}
