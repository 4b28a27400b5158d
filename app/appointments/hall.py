"""The hall side of appointments, for staff: checking a citizen in with the day's code, and the
day's appointments at the department's windows."""

from __future__ import annotations

from datetime import date, datetime

from app.appointments import errors
from app.appointments.models import Appointment, HallWindow, Slot
from app.appointments.rows import (
    S,
    appointment_out,
    china_now,
    joined,
    naive_utc,
)
from app.cases.queue import masked_applicants
from app.extensions import db
from app.staff import service as staff


def check_in(principal: staff.StaffPrincipal, department_code: str, *, code: str, now: datetime | None = None) -> dict:
    """Check a citizen in at one of the department's windows with today's code (commits, audited)."""
    staff.require_department(principal, department_code)
    now = now or china_now()
    row = db.session.execute(
        joined(
            [
                Appointment.checkin_code == code,
                Slot.day == now.date(),
                HallWindow.department_code == department_code,
                Appointment.status.in_([S.BOOKED, S.CHECKED_IN]),
            ],
            lock=True,
        )
    ).first()
    if row is None:
        db.session.rollback()
        raise errors.CheckinNotFound()
    appt, slot, window, hall = row
    if appt.status == S.CHECKED_IN:
        db.session.rollback()
        raise errors.AlreadyCheckedIn()
    appt.status = S.CHECKED_IN
    appt.checked_in_at = naive_utc(now)
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="appointment.check_in",
        target=str(appt.id),
    )
    out = appointment_out(appt, slot, window, hall)
    db.session.commit()
    return out


def department_day(principal: staff.StaffPrincipal, department_code: str, *, day: date | None = None) -> dict:
    """The appointments at the department's windows on one day (default today), by start time,
    with the applicant's masked name (commits the audit row). The check-in code is not shown:
    the citizen shows it."""
    staff.require_department(principal, department_code)
    day = day or china_now().date()
    rows = db.session.execute(
        joined([HallWindow.department_code == department_code, Slot.day == day]).order_by(
            Slot.starts, HallWindow.number, Appointment.id
        )
    ).all()
    names = masked_applicants({appt.account_id for appt, *_ in rows})
    items = []
    for appt, slot, window, hall in rows:
        out = appointment_out(appt, slot, window, hall)
        out.pop("checkin_code")
        out["applicant_masked"] = names.get(appt.account_id, "")
        items.append(out)
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="appointment.list",
        target=day.isoformat(),
    )
    db.session.commit()
    return {"day": day.isoformat(), "items": items}
