"""Periodic appointment jobs (cron_config.py); they run on a worker inside the app context."""

from __future__ import annotations

from app.appointments import periodic


def send_reminders() -> int:
    """The day-before reminders (idempotent per appointment)."""
    return periodic.send_reminders()


def mark_no_shows() -> int:
    """Booked appointments past their slot and grace period become no-shows."""
    return periodic.mark_no_shows()
