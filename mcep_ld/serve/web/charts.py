"""Bar charts drawn on the server as inline SVG, for the dashboard, the insights and the usage report.

A chart is a group of links (or plain texts) named by its caption rather than an image: each bar is
reachable by keyboard and read out as its label and figure, and every page that draws one shows the same
figures in a table. The chart scales down with the page (viewBox, no fixed width), and in a right-to-left
language it is drawn mirrored: labels on the right, bars growing leftwards, figures at the bars' ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcep_ld.serve.web.layout import RTL, esc, number

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


def bar_chart(title: str, bars: list[Bar], chart_id: str, lang: str) -> str:
    """A horizontal bar chart with its caption, or nothing when there is no bar."""
    if not bars:
        return ""
    top = max(b.value for b in bars) or 1
    height = ROW * len(bars) + 4
    rtl = lang in RTL
    out = []
    for i, bar in enumerate(bars):
        y = ROW * i + 2
        width = max(1, round(300 * bar.value / top))
        shown = bar.shown or number(bar.value, lang, decimals=0 if float(bar.value).is_integer() else 2)
        label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[:LABEL_CHARS - 1] + "…"
        if rtl:  # text anchored at its start, which is its right end under direction="rtl"
            body = (f'<text x="{WIDTH - 4}" y="{y + 15}" class="label">{esc(label)}</text>'
                    f'<rect x="{WIDTH - 260 - width}" y="{y + 3}" width="{width}" height="16"></rect>'
                    f'<text x="{WIDTH - 264 - width}" y="{y + 15}">{esc(shown)}</text>')
        else:
            body = (f'<text x="0" y="{y + 15}" class="label">{esc(label)}</text>'
                    f'<rect x="260" y="{y + 3}" width="{width}" height="16"></rect>'
                    f'<text x="{264 + width}" y="{y + 15}">{esc(shown)}</text>')
        out.append(f'<a href="{esc(bar.href)}">{body}</a>' if bar.href else f"<g>{body}</g>")
    direction = "rtl" if rtl else "ltr"
    return (f'<figure><figcaption id="{chart_id}">{esc(title)}</figcaption>'
            f'<svg role="group" aria-labelledby="{chart_id}" viewBox="0 0 {WIDTH} {height}" class="bars"'
            f' direction="{direction}">{"".join(out)}</svg></figure>')
