"""网上预约 — booking a slot when a visit cannot be avoided.

Times: a slot is a China date and China local times; "now" is compared in China time. Rules
(settings, defaults in brackets):
- a slot is bookable from now until its start, up to APPOINTMENT_BOOKING_DAYS [14] days ahead,
  for an item one of the slot window's items; one live booking per citizen per slot;
- never over capacity: the slot row is locked (SELECT … FOR UPDATE) while its count is checked
  and raised, and a CHECK constraint (booked <= capacity) backs the lock;
- the citizen cancels until APPOINTMENT_CANCEL_CUTOFF_MINUTES [120] before the start;
- the check-in code (6 digits) is valid at the hall on the appointment's day only;
- a booked appointment not checked in APPOINTMENT_NO_SHOW_GRACE_MINUTES [30] after its slot
  ends is a no-show (a job marks them); APPOINTMENT_NO_SHOW_LIMIT [3] no-shows within
  APPOINTMENT_NO_SHOW_WINDOW_DAYS [90] days ban booking for APPOINTMENT_BAN_DAYS [30] days
  counted from the last no-show's day;
- the reminder (`appointment.reminder`) goes out once per appointment on the day before, from
  APPOINTMENT_REMINDER_HOUR [9] China time.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import outbox
from app.appointments import errors
from app.appointments.models import Appointment, Hall, HallWindow, Slot, WindowItem
from app.appointments.rows import (
    S,
    appointment_out,
    at,
    cancel_cutoff,
    china_now,
    event_payload,
    joined,
    naive_utc,
    setting,
    slot_out,
)
from app.cases import access
from app.cases.errors import CaseNotFound
from app.cases.models import Case
from app.catalog import service as catalog
from app.extensions import db
from app.identity.tokens import Principal

# ---------------------------------------------------------------- reading


def list_slots(
    *,
    service_code: str,
    hall_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
) -> dict:
    """Bookable slots for an item (not yet started, within the booking horizon), soonest first."""
    now = now or china_now()
    first = max(date_from or now.date(), now.date())
    last = min(date_to or date.max, now.date() + timedelta(days=setting("APPOINTMENT_BOOKING_DAYS", 14)))
    query = (
        sa.select(Slot, HallWindow, Hall)
        .join(HallWindow, HallWindow.id == Slot.window_id)
        .join(Hall, Hall.id == HallWindow.hall_id)
        .join(WindowItem, WindowItem.window_id == HallWindow.id)
        .where(WindowItem.service_code == service_code, Slot.day >= first, Slot.day <= last)
        .order_by(Slot.day, Slot.starts, Hall.code, HallWindow.number)
    )
    if hall_code is not None:
        query = query.where(Hall.code == hall_code)
    items = [
        slot_out(slot, window, hall)
        for slot, window, hall in db.session.execute(query)
        if at(slot.day, slot.starts) > now
    ]
    return {"items": items}


def get_appointment(principal: Principal, appointment_id: int) -> dict:
    """One of the caller's appointments (another person's is "not found")."""
    row = db.session.execute(
        joined([Appointment.id == appointment_id, Appointment.account_id == principal.account_id])
    ).first()
    if row is None:
        raise errors.AppointmentNotFound()
    return appointment_out(*row)


def list_appointments(principal: Principal, *, page: int = 1, page_size: int = 20) -> dict:
    """The caller's appointments, the latest slot first."""
    where = [Appointment.account_id == principal.account_id]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(*where))
    rows = db.session.execute(
        joined(where).order_by(Slot.day.desc(), Slot.starts.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return {"items": [appointment_out(*r) for r in rows], "total": total, "page": page, "page_size": page_size}


# ---------------------------------------------------------------- no-shows and the ban


def banned_until(account_id: int, *, on: date) -> date | None:
    """The last day of the caller's booking ban as of `on` (None: not banned)."""
    window_days = setting("APPOINTMENT_NO_SHOW_WINDOW_DAYS", 90)
    days = db.session.scalars(
        sa.select(Slot.day)
        .join(Appointment, Appointment.slot_id == Slot.id)
        .where(
            Appointment.account_id == account_id,
            Appointment.status == S.NO_SHOW,
            Slot.day > on - timedelta(days=window_days),
        )
        .order_by(Slot.day.desc())
    ).all()
    if len(days) < setting("APPOINTMENT_NO_SHOW_LIMIT", 3):
        return None
    until = days[0] + timedelta(days=setting("APPOINTMENT_BAN_DAYS", 30))
    return until if until >= on else None


# ---------------------------------------------------------------- booking and cancelling


def _new_code(hall_id: int, day: date) -> str:
    taken = set(
        db.session.scalars(
            sa.select(Appointment.checkin_code).where(Appointment.hall_id == hall_id, Appointment.day == day)
        )
    )
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if code not in taken:
            return code


def _insert_with_code(appt: Appointment, attempts: int = 5) -> None:
    """Insert the appointment with a fresh check-in code; a code drawn at the same moment by a
    booking of another slot in the same hall (unique per hall and day) is drawn again."""
    for attempt in range(attempts):
        appt.checkin_code = _new_code(appt.hall_id, appt.day)
        try:
            with db.session.begin_nested():
                db.session.add(appt)
                db.session.flush()
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise


def book(
    principal: Principal,
    *,
    slot_id: int,
    service_code: str,
    case_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Book a slot for an item (commits; emits `appointment.booked`). Refused when the caller is
    banned, the window does not serve the item, the slot has started, is full, or is already
    booked by the caller."""
    now = now or china_now()
    until = banned_until(principal.account_id, on=now.date())
    if until is not None:
        raise errors.BookingBanned(errors={"banned_until": until.isoformat()})
    case = None
    if case_id is not None:
        case = db.session.scalar(sa.select(Case).where(Case.id == case_id, access.owner_clause(principal)))
        if case is None:
            raise CaseNotFound()
        if case.service_code != service_code:
            raise errors.ItemNotServed("所选办件与预约事项不一致", errors={"case_id": ["所选办件与预约事项不一致"]})
    guide = catalog.get_service(service_code)
    # the lock: concurrent bookings of this slot queue here until this transaction ends
    slot = db.session.scalar(
        sa.select(Slot).where(Slot.id == slot_id).with_for_update().execution_options(populate_existing=True)
    )
    if slot is None:
        raise errors.SlotNotFound()
    window = db.session.get(HallWindow, slot.window_id)
    hall = db.session.get(Hall, window.hall_id)
    served = db.session.get(WindowItem, (window.id, service_code))
    if served is None:
        db.session.rollback()
        raise errors.ItemNotServed(errors={"service_code": ["该窗口不办理此事项"]})
    horizon = now.date() + timedelta(days=setting("APPOINTMENT_BOOKING_DAYS", 14))
    if at(slot.day, slot.starts) <= now or slot.day > horizon:
        db.session.rollback()
        raise errors.SlotPast()
    mine = db.session.scalar(
        sa.select(Appointment.id).where(
            Appointment.slot_id == slot.id,
            Appointment.account_id == principal.account_id,
            Appointment.status == S.BOOKED,
        )
    )
    if mine is not None:
        db.session.rollback()
        raise errors.AlreadyBooked(errors={"appointment_id": mine})
    if slot.booked >= slot.capacity:
        db.session.rollback()
        raise errors.SlotFull()
    slot.booked += 1
    appt = Appointment(
        slot_id=slot.id,
        account_id=principal.account_id,
        service_code=service_code,
        service_name=guide["name"],
        case_id=case.id if case else None,
        status=S.BOOKED,
        hall_id=hall.id,
        day=slot.day,
    )
    _insert_with_code(appt)
    outbox.emit(
        "appointment.booked",
        aggregate_type="appointment",
        aggregate_id=appt.id,
        payload=event_payload(appt, slot, window, hall, case),
    )
    out = appointment_out(appt, slot, window, hall)
    db.session.commit()
    return out


def cancel(principal: Principal, appointment_id: int, *, now: datetime | None = None) -> dict:
    """Cancel one of the caller's booked appointments until the cut-off (commits; emits
    `appointment.cancelled`); the place returns to the slot."""
    now = now or china_now()
    row = db.session.execute(
        joined([Appointment.id == appointment_id, Appointment.account_id == principal.account_id], lock=True)
    ).first()
    if row is None:
        raise errors.AppointmentNotFound()
    appt, slot, window, hall = row
    if appt.status != S.BOOKED:
        db.session.rollback()
        raise errors.NotCancellable(errors={"status": {"current": appt.status}})
    if now > cancel_cutoff(slot):
        db.session.rollback()
        raise errors.CancelTooLate(errors={"cancellable_until": cancel_cutoff(slot).isoformat()})
    appt.status = S.CANCELLED
    appt.cancelled_at = naive_utc(now)
    db.session.execute(sa.update(Slot).where(Slot.id == slot.id).values(booked=Slot.booked - 1))
    case = db.session.get(Case, appt.case_id) if appt.case_id else None
    outbox.emit(
        "appointment.cancelled",
        aggregate_type="appointment",
        aggregate_id=appt.id,
        payload=event_payload(appt, slot, window, hall, case),
    )
    db.session.commit()
    db.session.refresh(slot)
    return appointment_out(appt, slot, window, hall)
