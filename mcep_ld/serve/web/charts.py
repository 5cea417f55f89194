"""Bar charts drawn on the server as inline SVG, for the dashboard, the insights and the usage report.

A chart is a group of links (or plain texts) named by its caption rather than an image: each bar is
reachable by keyboard and read out as its label and figure, and every page that draws one shows the same
figures in a table. The chart scales down with the page (viewBox, no fixed width), and in a right-to-left
language it is drawn mirrored: labels on the right, bars growing leftwards, figures at the bars' ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcep_ld.serve.web.layout import RTL, number

WIDTH = 640  # viewBox units; the chart is as wide as its column, at most this many CSS pixels
ROW = 22
LABEL_CHARS = 40  # longer labels are cut (the table beside the chart has them whole)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, where it leads (or nowhere), and its figure as shown (default: the
    value in the reader's language)."""

    label: str
    value: float
    href: str = ""
    shown: str = ""


@dataclass(frozen=True)
class Drawn:
    """A bar placed on the chart: where its label, rectangle and figure go, in viewBox units."""

    label: str
    shown: str
    href: str
    y: int
    label_x: int
    rect_x: int
    width: int
    figure_x: int


@dataclass(frozen=True)
class Chart:
    """A chart ready to draw (macro ``bar_chart`` in ``macros.html``)."""

    chart_id: str
    title: str
    direction: str
    width: int
    height: int
    bars: list[Drawn]


def bar_chart(title: str, bars: list[Bar], chart_id: str, lang: str) -> Chart | None:
    """A horizontal bar chart with its caption, or None when there is no bar."""
    if not bars:
        return None
    top = max(b.value for b in bars) or 1
    rtl = lang in RTL
    drawn = []
    for i, bar in enumerate(bars):
        width = max(1, round(300 * bar.value / top))
        shown = bar.shown or number(bar.value, lang, decimals=0 if float(bar.value).is_integer() else 2)
        label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[:LABEL_CHARS - 1] + "…"
        if rtl:  # text anchored at its start, which is its right end under direction="rtl"
            place = {"label_x": WIDTH - 4, "rect_x": WIDTH - 260 - width, "figure_x": WIDTH - 264 - width}
        else:
            place = {"label_x": 0, "rect_x": 260, "figure_x": 264 + width}
        drawn.append(Drawn(label, shown, bar.href, ROW * i + 2, width=width, **place))
    return Chart(chart_id, title, "rtl" if rtl else "ltr", WIDTH, ROW * len(bars) + 4, drawn)
