"""Charts as plain SVG, drawn on the server: no script, no download, readable without colour
(every bar and point has a <title>, the chart has a <title> and <desc>).

Every text that goes into a chart passes markupsafe.escape here, so the finished SVG may be
marked safe in a template even though labels are people's words (titles, department names).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

# Distinguishable, and still apart for the common colour blindnesses (Okabe–Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000")
WIDTH = 640
ROW = 26  # a horizontal bar's height with its gap
LEFT, RIGHT, TOP, BOTTOM = 150, 20, 30, 40
PLOT_HEIGHT = 220
Format = Callable[[float], str]
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per x label; None: nothing that week


def _plain(value: float) -> str:
    return f"{value:g}"


def nice_max(value: float, *, whole: bool = False) -> tuple[float, float]:
    """An axis end at or above `value` and its tick step (1, 2 or 5 times a power of ten;
    at least 1 for counts, which have no halves)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 5  # about five steps up the axis
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, 1.0)
    return step * math.ceil(value / step), step


def _svg(title: str, desc: str, height: int, body: list[str]) -> Markup:
    n = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'font-family="sans-serif" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" style="max-width:{WIDTH}px" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc">'
        f'<title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


# Presentation attributes, not CSS: the chart looks the same under any stylesheet or policy.
_TEXT = {"label": 'font-size="12" fill="#222"', "tick": 'font-size="11" fill="#555"'}
_TEXT["value"] = _TEXT["tick"]


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "label") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}" {_TEXT[cls]}>'
        f"{escape(text)}</text>"
    )


def bar_chart(
    title: str, bars: Sequence[tuple[str, float]], *, fmt: Format = _plain, empty: str = ""
) -> Markup:
    """Horizontal bars, one per label, in the order given."""
    height = TOP + max(len(bars), 1) * ROW + 10
    top, _ = nice_max(max((v for _, v in bars), default=0))
    span = WIDTH - LEFT - RIGHT - 40
    body: list[str] = []
    if not bars:
        body.append(_text(WIDTH / 2, TOP + ROW / 2, empty, "middle"))
    for i, (label, value) in enumerate(bars):
        y = TOP + i * ROW
        length = span * value / top
        tip = f"{label}: {fmt(value)}"
        body += [
            _text(LEFT - 8, y + ROW / 2 + 4, label, "end"),
            f'<rect x="{LEFT}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(tip)}</title></rect>',
            _text(LEFT + length + 6, y + ROW / 2 + 4, fmt(value), "start", "value"),
        ]
    desc = "; ".join(f"{label}: {fmt(value)}" for label, value in bars) or empty
    return _svg(title, desc, height, body)


def _frame(labels: Sequence[str], top: float, step: float, fmt: Format) -> list[str]:
    """Axes, horizontal grid lines with their values, and the x labels under the plot."""
    bottom = TOP + PLOT_HEIGHT
    out = []
    for k in range(round(top / step) + 1):
        value = k * step
        y = bottom - PLOT_HEIGHT * value / top
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'class="grid" stroke="#e3e3e3"/>'
        )
        out.append(_text(LEFT - 6, y + 4, fmt(value), "end", "tick"))
    out.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" '
        f'class="axis" stroke="#555"/>'
    )
    width = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for i, label in enumerate(labels):
        out.append(_text(LEFT + width * (i + 0.5), bottom + 16, label, "middle", "tick"))
    return out


def _legend(series: Sequence[Series], y: float) -> list[str]:
    out = []
    x = LEFT
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(_text(x + 14, y, s.name))
        x += 24 + 7 * len(s.name)
    return out


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Format = _plain,
    empty: str = "",
) -> Markup:
    """One line per series over the x labels; a gap where a series has no value."""
    values = [v for s in series for v in s.values if v is not None]
    top, step = nice_max(max(values, default=0))
    width = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bottom = TOP + PLOT_HEIGHT
    body = _frame(labels, top, step, fmt)
    if not values:
        body.append(_text(LEFT + (WIDTH - LEFT) / 2, TOP + PLOT_HEIGHT / 2, empty, "middle"))
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = [
            (LEFT + width * (k + 0.5), bottom - PLOT_HEIGHT * v / top, labels[k], v)
            for k, v in enumerate(s.values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2" class="line"/>'
            )
        for x, y, label, v in points:
            tip = f"{s.name}, {label}: {fmt(v)}"
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    body += _legend(series, bottom + 34)
    return _svg(title, _describe(labels, series, fmt) or empty, bottom + 44, body)


def stacked_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Format = _plain,
    empty: str = "",
) -> Markup:
    """A column per x label, the series stacked in it (postings per channel and week)."""
    totals = [sum(s.values[k] or 0 for s in series) for k in range(len(labels))]
    top, step = nice_max(max(totals, default=0), whole=True)
    width = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bottom = TOP + PLOT_HEIGHT
    body = _frame(labels, top, step, fmt)
    if not any(totals):
        body.append(_text(LEFT + (WIDTH - LEFT) / 2, TOP + PLOT_HEIGHT / 2, empty, "middle"))
    for k, label in enumerate(labels):
        base = 0.0
        for i, s in enumerate(series):
            value = s.values[k] or 0
            if not value:
                continue
            h = PLOT_HEIGHT * value / top
            y = bottom - PLOT_HEIGHT * base / top - h
            tip = f"{s.name}, {label}: {fmt(value)}"
            body.append(
                f'<rect x="{LEFT + width * k + width * 0.15:.1f}" y="{y:.1f}" '
                f'width="{width * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(tip)}</title></rect>'
            )
            base += value
    body += _legend(series, bottom + 34)
    return _svg(title, _describe(labels, series, fmt) or empty, bottom + 44, body)


def _describe(labels: Sequence[str], series: Sequence[Series], fmt: Format) -> str:
    """The data in words, for screen readers: each series with its values by label."""
    parts = []
    for s in series:
        shown = [f"{label} {fmt(v)}" for label, v in zip(labels, s.values, strict=False) if v]
        if shown:
            parts.append(f"{s.name}: " + ", ".join(shown))
    return "; ".join(parts)
