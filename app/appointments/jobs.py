"""Periodic appointment jobs (cron_config.py); they run on a worker inside the app context."""

from __future__ import annotations

from app.appointments import service


def send_reminders() -> int:
    """The day-before reminders (idempotent per appointment)."""
    return service.send_reminders()


def mark_no_shows() -> int:
    """Booked appointments past their slot and grace period become no-shows."""
    return service.mark_no_shows()
