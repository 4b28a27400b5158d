"""What the appointment modules share: China time, the settings, and how an appointment, its
slot and its event payload read (service.py for citizens, hall.py for staff, periodic.py for the
jobs)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.appointments.models import Appointment, AppointmentStatus, Hall, HallWindow, Slot
from app.cases.models import Case

CHINA = ZoneInfo("Asia/Shanghai")
S = AppointmentStatus


def setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def china_now() -> datetime:
    return datetime.now(CHINA)


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=CHINA)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # naive UTC from the database
        return value.isoformat() + "Z"
    return value.isoformat()


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def cancel_cutoff(slot: Slot) -> datetime:
    return at(slot.day, slot.starts) - timedelta(minutes=setting("APPOINTMENT_CANCEL_CUTOFF_MINUTES", 120))


def slot_out(slot: Slot, window: HallWindow, hall: Hall) -> dict:
    return {
        "id": slot.id,
        "hall_code": hall.code,
        "hall_name": hall.name,
        "hall_address": hall.address,
        "window_number": window.number,
        "window_name": window.name,
        "day": slot.day.isoformat(),
        "starts": slot.starts.strftime("%H:%M"),
        "ends": slot.ends.strftime("%H:%M"),
        "capacity": slot.capacity,
        "remaining": max(slot.capacity - slot.booked, 0),
    }


def appointment_out(appt: Appointment, slot: Slot, window: HallWindow, hall: Hall) -> dict:
    return {
        "id": appt.id,
        "status": appt.status,
        "service_code": appt.service_code,
        "service_name": appt.service_name,
        "case_id": appt.case_id,
        "slot": slot_out(slot, window, hall),
        "checkin_code": appt.checkin_code,
        "cancellable_until": cancel_cutoff(slot).isoformat(),
        "created_at": iso(appt.created_at),
        "cancelled_at": iso(appt.cancelled_at),
        "checked_in_at": iso(appt.checked_in_at),
    }


def joined(where, *, lock: bool = False):
    query = (
        sa.select(Appointment, Slot, HallWindow, Hall)
        .join(Slot, Slot.id == Appointment.slot_id)
        .join(HallWindow, HallWindow.id == Slot.window_id)
        .join(Hall, Hall.id == HallWindow.hall_id)
        .where(*where)
    )
    if lock:
        query = query.with_for_update(of=Appointment).execution_options(populate_existing=True)
    return query


def event_payload(appt: Appointment, slot: Slot, window: HallWindow, hall: Hall, case: Case | None) -> dict:
    out = {
        "appointment_id": appt.id,
        "account_id": appt.account_id,
        "service_code": appt.service_code,
        "service_name": appt.service_name,
        "hall_name": hall.name,
        "hall_address": hall.address,
        "window": f"{window.number} {window.name}",
        "day": slot.day.isoformat(),
        "starts": slot.starts.strftime("%H:%M"),
        "checkin_code": appt.checkin_code,
    }
    if case is not None:
        out.update(case_id=case.id, case_number=case.case_number)
    return out
