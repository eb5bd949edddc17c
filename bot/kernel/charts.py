"""Small PNG charts, rendered with matplotlib's object API (no pyplot: safe off the main thread)."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

ACCENT = "#8e3b8a"  # the program's plum


def confidence_chart(labels: Sequence[str], values: Sequence[int], title: str) -> bytes:
    """A line of weekly confidence (1–5) over the weeks given."""
    from matplotlib.figure import Figure  # imported on first use: it costs a second at start-up

    figure = Figure(figsize=(6, 3), dpi=120)
    axes = figure.subplots()
    axes.plot(labels, values, marker="o", color=ACCENT, linewidth=2)
    axes.set_ylim(0.5, 5.5)
    axes.set_yticks(range(1, 6))
    axes.set_title(title, fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="x", labelsize=8, rotation=45)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def cohort_chart(labels: Sequence[str], values: Sequence[int], title: str) -> bytes:
    """Horizontal bars: how many PAPs are on track, delayed, stalled and completed."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3), dpi=120)
    axes = figure.subplots()
    colors = ["#2e7d32", "#f9a825", "#c62828", "#1565c0"][: len(values)]
    bars = axes.barh(labels[::-1], values[::-1], color=colors[::-1])
    axes.bar_label(bars, padding=3)
    axes.set_title(title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_xlim(0, max([*values, 1]) * 1.2)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
