"""Bar charts drawn as server-side SVG geometry: templates place the rectangles, the CSS
colours them by bucket class. No script, no inline style."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LABEL_WIDTH = 180  # room for the row labels, left of the bars
PLOT_WIDTH = 480
ROW_HEIGHT = 26
BAR_HEIGHT = 18
TOP = 8


@dataclass(frozen=True)
class Segment:
    """One bucket's part of a bar: where it sits, which bucket, how much (cents)."""

    x: float
    width: float
    bucket: int
    cents: int


@dataclass(frozen=True)
class Row:
    """One bar (a firm, or a bucket) and its segments."""

    label: str
    y: float
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, stacked by bucket, on one scale."""

    width: int
    height: int
    label_width: int
    bar_height: int
    rows: list[Row]


def stacked_bars(rows: Sequence[tuple[str, Sequence[int]]]) -> BarChart:
    """One horizontal bar per ``(label, amounts by bucket)``, its segments by bucket, scaled
    so the largest bar fills the plot."""
    largest = max((sum(amounts) for _, amounts in rows), default=0) or 1
    drawn = []
    for i, (label, amounts) in enumerate(rows):
        x, segments = float(LABEL_WIDTH), []
        for bucket, cents in enumerate(amounts):
            if cents > 0:
                width = round(PLOT_WIDTH * cents / largest, 1)
                segments.append(Segment(round(x, 1), max(width, 1.0), bucket, cents))
                x += width
        drawn.append(Row(label, TOP + i * ROW_HEIGHT, sum(amounts), segments))
    return BarChart(LABEL_WIDTH + PLOT_WIDTH + 100, TOP * 2 + max(1, len(rows)) * ROW_HEIGHT,
                    LABEL_WIDTH, BAR_HEIGHT, drawn)


def bucket_bars(names: Sequence[str], amounts: Sequence[int]) -> BarChart:
    """One bar per bucket (its own colour), e.g. the total owed in each age bucket."""
    return stacked_bars([(name, [cents if j == i else 0 for j in range(len(names))])
                         for i, (name, cents) in enumerate(zip(names, amounts, strict=True))])
