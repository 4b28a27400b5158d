"""Notification settings: the NOTIFICATIONS_* block of app/config.py, read from the app config."""

from __future__ import annotations

from flask import current_app


def get(name: str):
    """A NOTIFICATIONS_* setting (defaults and environment: app/config.py)."""
    return current_app.config[name]


def retry_intervals() -> tuple[int, ...]:
    return tuple(get("NOTIFICATIONS_RETRY_INTERVALS"))


def max_attempts() -> int:
    return len(retry_intervals()) + 1
