"""Notification settings, read from the app config (set from the environment in `init_app`)."""

from __future__ import annotations

import os

from flask import current_app

DEFAULTS = {
    # Waits (seconds) before the 2nd, 3rd … attempt of a send that failed in a retryable way;
    # one more attempt than intervals, then the message is failed for good.
    "NOTIFICATIONS_RETRY_INTERVALS": (10, 60, 300, 1800),
    # How long a worker owns a message it claimed; must exceed the provider call's timeout.
    "NOTIFICATIONS_LEASE_SECONDS": 60,
    # The sweep leaves events and messages younger than this to the normal path.
    "NOTIFICATIONS_SWEEP_GRACE": 30,
    # The sweep looks this far back for events that never got their messages.
    "NOTIFICATIONS_SWEEP_WINDOW": 2 * 24 * 3600,
    "NOTIFICATIONS_SMS_ENABLED": False,
    # Off: the send path commits without waiting for the WAL flush (PostgreSQL; see dispatch).
    "NOTIFICATIONS_SYNCHRONOUS_COMMIT": True,
    # Messages per send job when several are enqueued together (each keeps its own lease).
    "NOTIFICATIONS_SEND_BATCH": 10,
    "NOTIFICATIONS_SMS_PROVIDER": "",
    "NOTIFICATIONS_TEMPLATES_FILE": "",
}


def from_environment(config: dict) -> None:
    """Fill unset NOTIFICATIONS_* settings from the environment, else the defaults."""
    for key, default in DEFAULTS.items():
        if key in config:
            continue
        raw = os.environ.get(key)
        if raw is None or raw == "":
            config[key] = default
        elif isinstance(default, bool):
            config[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, tuple):
            config[key] = tuple(int(x) for x in raw.replace(",", " ").split())
        elif isinstance(default, int):
            config[key] = int(raw)
        else:
            config[key] = raw


def get(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def retry_intervals() -> tuple[int, ...]:
    return tuple(get("NOTIFICATIONS_RETRY_INTERVALS"))


def max_attempts() -> int:
    return len(retry_intervals()) + 1
