"""Progress push: every step of a case reaches the citizen's phone, exactly once (issue 6)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register models, blueprints, CLI commands and event subscriptions."""
