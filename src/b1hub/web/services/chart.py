"""The dashboard's bar chart as plain SVG geometry (no JavaScript, no inline style)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from b1hub.web.services.overview import DayStat

WIDTH, HEIGHT, PAD = 700, 180, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # "records" | "errors"
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    days: list[tuple[float, str]]
    peak: int


def bar_chart(stats: Sequence[DayStat]) -> Chart:
    peak = max([1, *(s.records for s in stats), *(s.errors for s in stats)])
    slot = (WIDTH - 2 * PAD) / max(1, len(stats))
    bar_w = slot * 0.4
    usable = HEIGHT - 2 * PAD
    bars: list[Bar] = []
    days: list[tuple[float, str]] = []
    for i, stat in enumerate(stats):
        x = PAD + i * slot
        for offset, value, kind in ((0.0, stat.records, "records"),
                                    (bar_w, stat.errors, "errors")):
            h = usable * value / peak
            bars.append(Bar(round(x + offset, 1), round(HEIGHT - PAD - h, 1), round(bar_w, 1),
                            round(h, 1), kind, f"{stat.day:%b %d}: {value} {kind}"))
        days.append((round(x + bar_w, 1), f"{stat.day:%d}"))
    return Chart(WIDTH, HEIGHT, bars, days, peak)
