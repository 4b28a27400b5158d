"""The governance figures (网办率, 秒批率, 好评率 …) computed from the platform's own rows, and
the monthly trend drawn as an SVG chart."""
