"""The periodic side of appointments (app/appointments/jobs.py, cron_config.py): marking
no-shows and the day-before reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app import outbox
from app.appointments.models import Appointment, Slot
from app.appointments.rows import (
    S,
    at,
    china_now,
    event_payload,
    joined,
    naive_utc,
    setting,
)
from app.cases.models import Case
from app.extensions import db


def mark_no_shows(*, now: datetime | None = None) -> int:
    """Mark booked appointments whose slot ended more than the grace period ago as no-shows
    (commits; safe to run twice). Returns how many were marked."""
    now = now or china_now()
    grace = timedelta(minutes=setting("APPOINTMENT_NO_SHOW_GRACE_MINUTES", 30))
    candidates = db.session.execute(
        sa.select(Appointment.id, Slot.day, Slot.ends)
        .join(Slot, Slot.id == Appointment.slot_id)
        .where(Appointment.status == S.BOOKED, Slot.day <= now.date())
    ).all()
    due = [appt_id for appt_id, day, ends in candidates if at(day, ends) + grace < now]
    marked = 0
    if due:
        marked = db.session.execute(
            sa.update(Appointment)
            .where(Appointment.id.in_(due), Appointment.status == S.BOOKED)
            .values(status=S.NO_SHOW, no_show_at=naive_utc(now))
        ).rowcount
    db.session.commit()
    return marked


def send_reminders(*, now: datetime | None = None) -> int:
    """Emit `appointment.reminder` once for each booked appointment of tomorrow (China date),
    from the reminder hour on (commits). The claim is a conditional update of `reminded_at`, so
    two runs racing never remind twice. Returns how many were sent."""
    now = now or china_now()
    if now.hour < setting("APPOINTMENT_REMINDER_HOUR", 9):
        return 0
    tomorrow = now.date() + timedelta(days=1)
    rows = db.session.execute(
        joined([Slot.day == tomorrow, Appointment.status == S.BOOKED, Appointment.reminded_at.is_(None)])
    ).all()
    sent = 0
    for appt, slot, window, hall in rows:
        claimed = db.session.execute(
            sa.update(Appointment)
            .where(Appointment.id == appt.id, Appointment.reminded_at.is_(None), Appointment.status == S.BOOKED)
            .values(reminded_at=naive_utc(now))
        ).rowcount
        if claimed:
            case = db.session.get(Case, appt.case_id) if appt.case_id else None
            outbox.emit(
                "appointment.reminder",
                aggregate_type="appointment",
                aggregate_id=appt.id,
                payload=event_payload(appt, slot, window, hall, case),
            )
            sent += 1
        db.session.commit()
    return sent
