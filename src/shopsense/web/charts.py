"""Charts for the console: Matplotlib figures rendered to inline SVG.

Each chart is its own `Figure` (no pyplot, so no global state: safe in worker threads); rendering
takes tens of milliseconds, so pages call these through `asyncio.to_thread`. Empty data gives
None, and the page says so in words instead of drawing an empty frame. The SVG's ids are
prefixed per chart, so several charts on one page never share an id.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import matplotlib
from markupsafe import Markup
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

#: Colours with at least 3:1 contrast on white, told apart without colour by markers too.
COLOURS = ("#1d4f91", "#a12020", "#1f6f3d", "#7a5200", "#5b2c83", "#4d4d4d")
MARKERS = ("o", "s", "^", "D", "v", "x")
_SIZE = (7.0, 3.2)
_counter = itertools.count()
#: Fonts with Chinese characters, used where a label has glyphs the default font lacks.
CJK_FONTS = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC")


def _with_chinese_fallback() -> None:
    """Let the charts' text fall back to an installed Chinese font (Matplotlib fills each glyph
    from the first family of the list that has it; a generic family would take only its first
    font). Set once for the process: rcParams are global, and the console is their only user
    in a server."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    fallback = [name for name in CJK_FONTS if name in installed]
    if fallback:
        matplotlib.rcParams["font.family"] = ["DejaVu Sans", *fallback]


_with_chinese_fallback()


@dataclass(frozen=True)
class Chart:
    """A rendered chart: its title (the figure's accessible name) and its SVG markup."""

    title: str
    svg: Markup


def line_chart(
    title: str,
    moments: Sequence[datetime],
    series: Mapping[str, Sequence[float | None]],
    ylabel: str,
) -> Chart | None:
    """Lines over time, one per series (None values are gaps); None without two moments."""
    if len(moments) < 2 or not series:
        return None
    figure = _figure()
    axes = figure.add_subplot()
    for (name, values), colour, marker in zip(series.items(), COLOURS, MARKERS, strict=False):
        points = [float("nan") if value is None else value for value in values]
        axes.plot(moments, points, label=name, color=colour, marker=marker, markersize=3)
    axes.set_xlim(moments[0], moments[-1])
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return _finish(figure, axes, title, ylabel)


def bar_chart(
    title: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float]],
    ylabel: str,
) -> Chart | None:
    """Bars per group, one bar per series side by side; None without groups."""
    if not groups or not series:
        return None
    figure = _figure()
    axes = figure.add_subplot()
    width = 0.8 / len(series)
    for index, ((name, values), colour) in enumerate(zip(series.items(), COLOURS, strict=False)):
        offsets = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
        axes.bar(offsets, values, width=width, label=name, color=colour)
    axes.set_xticks(range(len(groups)), groups, rotation=20 if len(groups) > 4 else 0)
    return _finish(figure, axes, title, ylabel)


def interval_chart(
    title: str,
    groups: Sequence[str],
    estimates: Sequence[tuple[float, float, float]],
    label: str,
    ylabel: str,
) -> Chart | None:
    """One estimate per group, a point with its interval `(estimate, low, high)` as an error
    bar, beside a line at zero; None without groups."""
    if not groups:
        return None
    figure = _figure()
    axes = figure.add_subplot()
    centre = [estimate for estimate, _, _ in estimates]
    # An error bar's arms are lengths: an estimate outside its own interval gets none.
    below = [max(estimate - low, 0.0) for estimate, low, _ in estimates]
    above = [max(high - estimate, 0.0) for estimate, _, high in estimates]
    axes.axhline(0.0, color=COLOURS[-1], linewidth=0.6)
    axes.errorbar(
        range(len(groups)),
        centre,
        yerr=[below, above],
        fmt=MARKERS[0],
        color=COLOURS[0],
        capsize=4,
        label=label,
    )
    slanted = {"rotation": 25, "ha": "right", "rotation_mode": "anchor"} if len(groups) > 4 else {}
    axes.set_xticks(range(len(groups)), groups, **slanted)
    axes.set_xlim(-0.5, len(groups) - 0.5)
    return _finish(figure, axes, title, ylabel)


def _figure() -> Figure:
    return Figure(figsize=_SIZE, layout="constrained")


def _finish(figure: Figure, axes: Axes, title: str, ylabel: str) -> Chart:
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(axis="y", color="#d0d0d0", linewidth=0.6)
    axes.legend(fontsize="small")
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return Chart(title, Markup(_inline(out.getvalue(), f"c{next(_counter)}-")))


def _inline(svg: str, prefix: str) -> str:
    """The `<svg>` element alone (no XML prolog), its ids and references prefixed."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    svg = svg.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
