"""The annual report's charts: matplotlib (the Agg backend, no display) rendered to inline SVG.

Text stays text in the SVG (`svg.fonttype = none`), so it is sharp in print, searchable and read
by screen readers; each chart carries a title for them, and every chart in the report has its
numbers in a table beside it. Colours are the Okabe–Ito palette, distinguishable with the common
kinds of colour blindness. A suppressed value (None) is a bar outline marked "–": no hatching, which
printed to PDF becomes thousands of tiny paths (megabytes for a small report).
Output is deterministic: no dates in the metadata, ids salted per chart.
"""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
INK, GRID, HIDDEN = "#222222", "#d9d9d9", "#9a9a9a"
RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    # Drawn 5 inches wide, so that on a 390 px phone (about 360 px for the chart) 1 pt is about 1 px:
    # no text below 10 px there.
    "font.size": 11,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "legend.fontsize": 10.5,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.titlesize": 12,
    "legend.frameon": False,
}
WIDTH = 5.0  # inches; see font.size
_HEAD = re.compile(r"^.*?(<svg\b)", re.S)


def to_svg(fig: Figure, name: str, title: str) -> str:
    """The figure as an <svg> element for inline use: responsive, titled, without the XML prologue."""
    buf = io.StringIO()
    with matplotlib.rc_context({**RC, "svg.hashsalt": f"samtale-{name}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    svg = _HEAD.sub(r"\1", buf.getvalue(), count=1)
    # Width from the page (CSS), height from the viewBox; a title for screen readers.
    svg = re.sub(r'<svg\b([^>]*?)\swidth="[^"]*"\sheight="[^"]*"', r"<svg\1", svg, count=1)
    svg = svg.replace("<svg", f'<svg role="img" aria-labelledby="chart-{name}-title" class="chart"', 1)
    head_end = svg.index(">") + 1
    return svg[:head_end] + f'<title id="chart-{name}-title">{escape(title)}</title>' + svg[head_end:]


def _figure(width: float = WIDTH, height: float = 3.2) -> Figure:
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        fig.add_subplot(1, 1, 1)
    return fig


def _style(ax) -> None:  # noqa: ANN001
    ax.grid(axis="both", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(length=0)


def bars(name: str, title: str, labels: Sequence[str], values: Sequence[int | None], *, horizontal: bool = True,
         colour: str = PALETTE[0], hidden_mark: str = "–", number=str) -> str:  # noqa: ANN001
    """One series of bars; None is a suppressed cell."""
    rows = max(len(labels), 1)
    with matplotlib.rc_context(RC):
        fig = _figure(WIDTH, 0.42 * rows + 0.9) if horizontal else _figure(WIDTH, 3.0)
        ax = fig.axes[0]
        shown = [v or 0 for v in values]
        top = max(shown, default=0) or 1
        positions = list(range(len(labels)))
        if horizontal:
            ax.barh(positions, shown, color=colour, height=0.62)
            for i, v in enumerate(values):
                if v is None:
                    ax.barh(i, top * 0.04, color="none", edgecolor=HIDDEN, linestyle=":", height=0.62)
                ax.text((v or 0) + top * 0.015 + (top * 0.04 if v is None else 0), i,
                        hidden_mark if v is None else number(v), va="center", fontsize=10, color=INK)
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
            ax.set_xlim(0, top * 1.18)
            ax.xaxis.set_visible(False)
            ax.spines["bottom"].set_visible(False)
            ax.tick_params(length=0)
        else:
            ax.bar(positions, shown, color=colour, width=0.66)
            for i, v in enumerate(values):
                if v is None:
                    ax.bar(i, top * 0.04, color="none", edgecolor=HIDDEN, linestyle=":", width=0.66)
                    ax.text(i, top * 0.06, hidden_mark, ha="center", fontsize=10, color=INK)
            ax.set_xticks(positions, labels)
            _style(ax)
            ax.grid(axis="x", visible=False)
            ax.yaxis.set_major_formatter(lambda y, _pos: number(int(y)) if y == int(y) else "")
        return to_svg(fig, name, title)


def grouped_bars(name: str, title: str, labels: Sequence[str], series: dict[str, Sequence[int | None]], *,
                 number=str) -> str:  # noqa: ANN001
    """Several series side by side per label (e.g. reflections and participants per month)."""
    with matplotlib.rc_context(RC):
        fig = _figure(WIDTH, 3.2)
        ax = fig.axes[0]
        n = max(len(series), 1)
        width = 0.8 / n
        top = max((v or 0 for values in series.values() for v in values), default=0) or 1
        for j, (label, values) in enumerate(series.items()):
            xs = [i - 0.4 + width * (j + 0.5) for i in range(len(labels))]
            ax.bar(xs, [v or 0 for v in values], width=width * 0.95, color=PALETTE[j % len(PALETTE)], label=label)
            for x, v in zip(xs, values):
                if v is None:
                    ax.bar(x, top * 0.03, width=width * 0.95, color="none", edgecolor=HIDDEN, linestyle=":")
        ax.set_xticks(range(len(labels)), labels)
        _style(ax)
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(lambda y, _pos: number(int(y)) if y == int(y) else "")
        ax.legend(loc="upper left", bbox_to_anchor=(0, 1.14), ncol=n)
        return to_svg(fig, name, title)


def lines(name: str, title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], *,
          percent=lambda v: f"{round(100 * v)} %") -> str:  # noqa: ANN001
    """Shares over time, one line per series; a suppressed point is a gap in its line."""
    with matplotlib.rc_context(RC):
        fig = _figure(WIDTH, 3.8)
        ax = fig.axes[0]
        xs = list(range(len(labels)))
        markers = ("o", "s", "^", "D", "v", "P", "X")
        for j, (label, values) in enumerate(series.items()):
            ys = [float("nan") if v is None else v for v in values]
            ax.plot(xs, ys, marker=markers[j % len(markers)], markersize=4, linewidth=1.8,
                    color=PALETTE[j % len(PALETTE)], label=label)
        ax.set_xticks(xs, labels)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(lambda y, _pos: percent(y))
        _style(ax)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        return to_svg(fig, name, title)
