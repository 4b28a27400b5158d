"""Mail-out of results: addresses, courier orders, tracking, pickup (issue 7)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
