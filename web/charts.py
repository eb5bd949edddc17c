"""Charts as server-rendered SVG: no script, no CDN, readable by a screen reader through its title."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from bot.kernel.i18n import Texts

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 36, 28, 12


def trend_svg(weeks: list[tuple[date, int]], texts: Texts, locale: str) -> Markup:
    """Weekly activity as bars, with each week's count in its title (shown on hover, read aloud)."""
    title = texts.render(locale, "web.trend_title")
    top = max((count for _, count in weeks), default=0) or 1
    inner_w, inner_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = inner_w / max(len(weeks), 1)
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="trend-title" class="chart" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="trend-title">{escape(title)}</title>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + inner_h}" x2="{WIDTH - 8}" y2="{PAD_TOP + inner_h}" class="axis"/>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end" class="tick">{top}</text>',
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + inner_h}" text-anchor="end" class="tick">0</text>',
    ]
    for index, (monday, count) in enumerate(weeks):
        height = inner_h * count / top
        x = PAD_LEFT + index * step + step * 0.15
        label = texts.week_range(locale, monday)
        parts.append(
            f'<rect x="{x:.1f}" y="{PAD_TOP + inner_h - height:.1f}" width="{step * 0.7:.1f}" height="{height:.1f}" class="bar">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        if index % 2 == 0 or len(weeks) <= 6:
            day = f"{monday.day}/{monday.month}"
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="tick">{day}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
