"""The monthly trend as an SVG line chart, drawn by hand (no plotting library): valid XML,
Chinese labels, one polyline per rate (a month without data breaks the line)."""

from __future__ import annotations

from xml.sax.saxutils import escape

SERIES = (
    ("full_online_rate", "全程网办率", "#1f77b4"),
    ("instant_approval_rate", "秒批率", "#2ca02c"),
    ("satisfaction_rate", "好评率", "#d62728"),
)
WIDTH, HEIGHT = 760, 400
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 70, 60
FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"


def _text(x: float, y: float, label: str, *, size: int = 12, anchor: str = "middle", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{escape(label)}</text>'


def render_trend(points: list[dict], *, title: str) -> str:
    """`points`: [{"month": "2026-01", "cases_submitted": n, "<series key>": rate or None}]."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(points)
    step = plot_w / max(n - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if n > 1 else plot_w / 2)

    def y(rate: float) -> float:
        return TOP + plot_h * (1 - rate)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        _text(WIDTH / 2, 28, title, size=18, extra=' font-weight="bold"'),
    ]
    for k in range(5):  # 0 %, 25 %, … 100 %
        rate = k / 4
        parts.append(f'<line x1="{LEFT}" y1="{y(rate):.1f}" x2="{WIDTH - RIGHT}" y2="{y(rate):.1f}" stroke="#e0e0e0"/>')
        parts.append(_text(LEFT - 8, y(rate) + 4, f"{k * 25}%", anchor="end"))
    for i, p in enumerate(points):
        year, month = p["month"].split("-")
        parts.append(_text(x(i), HEIGHT - BOTTOM + 18, f"{int(month)}月"))
        if i == 0 or month == "01":
            parts.append(_text(x(i), HEIGHT - BOTTOM + 34, f"{year}年", size=10))
        parts.append(
            _text(x(i), HEIGHT - BOTTOM + 50, f"{p.get('cases_submitted', 0)}件", size=10, extra=' fill="#666666"')
        )
    for s, (key, label, colour) in enumerate(SERIES):
        segment: list[str] = []
        segments = []
        for i, p in enumerate(points):
            rate = p.get(key)
            if rate is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(rate):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(rate):.1f}" r="3" fill="{colour}"/>')
        if segment:
            segments.append(segment)
        for seg in segments:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        lx = LEFT + s * 130
        parts.append(f'<rect x="{lx}" y="44" width="14" height="4" fill="{colour}"/>')
        parts.append(_text(lx + 20, 50, label, anchor="start"))
    parts.append(_text(WIDTH - RIGHT, 50, "件数：当月申报办件", size=10, anchor="end", extra=' fill="#666666"'))
    parts.append("</svg>")
    return "\n".join(parts)
