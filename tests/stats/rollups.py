"""The figures' rollup cells brought up to date over what a test wrote (its timestamps lie in
the past, so no safety margin): the figures read after it come from the cells, not the rows."""

from __future__ import annotations

from datetime import timedelta

from app.stats.refresh import refresh
from tests.engagement import read


def settle(app, *, full: bool = False) -> dict:
    return read(app, lambda: refresh(full=full, margin=timedelta(0)))
