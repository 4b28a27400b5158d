"""`flask appointments …`: demo halls, windows and slots; the periodic jobs by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.appointments import periodic
from app.appointments.rows import china_now
from app.appointments.seed import ensure_halls, ensure_slots
from app.cases.queue import calendar
from app.extensions import db


@click.group("appointments", help="Halls, windows and appointment slots (网上预约).")
def appointments_cli():
    pass


@appointments_cli.command("seed")
@click.option("--days", default=14, show_default=True, help="Create slots for this many days from today.")
@with_appcontext
def seed_command(days: int):
    """Demo halls, windows, the items they serve and slots on the coming working days (idempotent)."""
    windows = ensure_halls()
    created = ensure_slots(windows, first=china_now().date(), days=days, cal=calendar())
    db.session.commit()
    click.echo(f"{len(windows)} windows; {created} slots created")


@appointments_cli.command("remind")
@with_appcontext
def remind_command():
    """Send the day-before reminders now (what the cron job does)."""
    click.echo(f"{periodic.send_reminders()} reminders")


@appointments_cli.command("no-shows")
@with_appcontext
def no_shows_command():
    """Mark the no-shows now (what the cron job does)."""
    click.echo(f"{periodic.mark_no_shows()} marked")
