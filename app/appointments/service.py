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
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import outbox
from app.appointments import errors
from app.appointments.models import Appointment, AppointmentStatus, Hall, HallWindow, Slot, WindowItem
from app.cases.errors import CaseNotFound
from app.cases.models import Case
from app.catalog import service as catalog
from app.extensions import db
from app.identity.tokens import Principal
from app.staff import service as staff

CHINA = ZoneInfo("Asia/Shanghai")
S = AppointmentStatus


def _cfg(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def china_now() -> datetime:
    return datetime.now(CHINA)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=CHINA)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # naive UTC from the database
        return value.isoformat() + "Z"
    return value.isoformat()


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def cancel_cutoff(slot: Slot) -> datetime:
    return _at(slot.day, slot.starts) - timedelta(minutes=_cfg("APPOINTMENT_CANCEL_CUTOFF_MINUTES", 120))


# ---------------------------------------------------------------- reading


def _slot_out(slot: Slot, window: HallWindow, hall: Hall) -> dict:
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
    last = min(date_to or date.max, now.date() + timedelta(days=_cfg("APPOINTMENT_BOOKING_DAYS", 14)))
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
        _slot_out(slot, window, hall)
        for slot, window, hall in db.session.execute(query)
        if _at(slot.day, slot.starts) > now
    ]
    return {"items": items}


def _out(appt: Appointment, slot: Slot, window: HallWindow, hall: Hall) -> dict:
    return {
        "id": appt.id,
        "status": appt.status,
        "service_code": appt.service_code,
        "service_name": appt.service_name,
        "case_id": appt.case_id,
        "slot": _slot_out(slot, window, hall),
        "checkin_code": appt.checkin_code,
        "cancellable_until": cancel_cutoff(slot).isoformat(),
        "created_at": _iso(appt.created_at),
        "cancelled_at": _iso(appt.cancelled_at),
        "checked_in_at": _iso(appt.checked_in_at),
    }


def _joined(where, *, lock: bool = False):
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


def get_appointment(principal: Principal, appointment_id: int) -> dict:
    """One of the caller's appointments (another person's is "not found")."""
    row = db.session.execute(
        _joined([Appointment.id == appointment_id, Appointment.account_id == principal.account_id])
    ).first()
    if row is None:
        raise errors.AppointmentNotFound()
    return _out(*row)


def list_appointments(principal: Principal, *, page: int = 1, page_size: int = 20) -> dict:
    """The caller's appointments, the latest slot first."""
    where = [Appointment.account_id == principal.account_id]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(*where))
    rows = db.session.execute(
        _joined(where).order_by(Slot.day.desc(), Slot.starts.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return {"items": [_out(*r) for r in rows], "total": total, "page": page, "page_size": page_size}


# ---------------------------------------------------------------- no-shows and the ban


def banned_until(account_id: int, *, on: date) -> date | None:
    """The last day of the caller's booking ban as of `on` (None: not banned)."""
    window_days = _cfg("APPOINTMENT_NO_SHOW_WINDOW_DAYS", 90)
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
    if len(days) < _cfg("APPOINTMENT_NO_SHOW_LIMIT", 3):
        return None
    until = days[0] + timedelta(days=_cfg("APPOINTMENT_BAN_DAYS", 30))
    return until if until >= on else None


def mark_no_shows(*, now: datetime | None = None) -> int:
    """Mark booked appointments whose slot ended more than the grace period ago as no-shows
    (commits; safe to run twice). Returns how many were marked."""
    now = now or china_now()
    grace = timedelta(minutes=_cfg("APPOINTMENT_NO_SHOW_GRACE_MINUTES", 30))
    candidates = db.session.execute(
        sa.select(Appointment.id, Slot.day, Slot.ends)
        .join(Slot, Slot.id == Appointment.slot_id)
        .where(Appointment.status == S.BOOKED, Slot.day <= now.date())
    ).all()
    due = [appt_id for appt_id, day, ends in candidates if _at(day, ends) + grace < now]
    marked = 0
    if due:
        marked = db.session.execute(
            sa.update(Appointment)
            .where(Appointment.id.in_(due), Appointment.status == S.BOOKED)
            .values(status=S.NO_SHOW, no_show_at=_naive_utc(now))
        ).rowcount
    db.session.commit()
    return marked


# ---------------------------------------------------------------- booking and cancelling


def _payload(appt: Appointment, slot: Slot, window: HallWindow, hall: Hall, case: Case | None) -> dict:
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
        case = db.session.scalar(sa.select(Case).where(Case.id == case_id, Case.account_id == principal.account_id))
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
    horizon = now.date() + timedelta(days=_cfg("APPOINTMENT_BOOKING_DAYS", 14))
    if _at(slot.day, slot.starts) <= now or slot.day > horizon:
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
        payload=_payload(appt, slot, window, hall, case),
    )
    out = _out(appt, slot, window, hall)
    db.session.commit()
    return out


def cancel(principal: Principal, appointment_id: int, *, now: datetime | None = None) -> dict:
    """Cancel one of the caller's booked appointments until the cut-off (commits; emits
    `appointment.cancelled`); the place returns to the slot."""
    now = now or china_now()
    row = db.session.execute(
        _joined([Appointment.id == appointment_id, Appointment.account_id == principal.account_id], lock=True)
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
    appt.cancelled_at = _naive_utc(now)
    db.session.execute(sa.update(Slot).where(Slot.id == slot.id).values(booked=Slot.booked - 1))
    case = db.session.get(Case, appt.case_id) if appt.case_id else None
    outbox.emit(
        "appointment.cancelled",
        aggregate_type="appointment",
        aggregate_id=appt.id,
        payload=_payload(appt, slot, window, hall, case),
    )
    db.session.commit()
    db.session.refresh(slot)
    return _out(appt, slot, window, hall)


# ---------------------------------------------------------------- the hall


def check_in(principal: staff.StaffPrincipal, department_code: str, *, code: str, now: datetime | None = None) -> dict:
    """Check a citizen in at one of the department's windows with today's code (commits, audited)."""
    staff.require_department(principal, department_code)
    now = now or china_now()
    row = db.session.execute(
        _joined(
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
    appt.checked_in_at = _naive_utc(now)
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="appointment.check_in",
        target=str(appt.id),
    )
    out = _out(appt, slot, window, hall)
    db.session.commit()
    return out


def department_day(principal: staff.StaffPrincipal, department_code: str, *, day: date | None = None) -> dict:
    """The appointments at the department's windows on one day (default today), by start time,
    with the applicant's masked name (commits the audit row). The check-in code is not shown:
    the citizen shows it."""
    from app.cases.queue import masked_applicants

    staff.require_department(principal, department_code)
    day = day or china_now().date()
    rows = db.session.execute(
        _joined([HallWindow.department_code == department_code, Slot.day == day]).order_by(
            Slot.starts, HallWindow.number, Appointment.id
        )
    ).all()
    names = masked_applicants({appt.account_id for appt, *_ in rows})
    items = []
    for appt, slot, window, hall in rows:
        out = _out(appt, slot, window, hall)
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


# ---------------------------------------------------------------- reminders


def send_reminders(*, now: datetime | None = None) -> int:
    """Emit `appointment.reminder` once for each booked appointment of tomorrow (China date),
    from the reminder hour on (commits). The claim is a conditional update of `reminded_at`, so
    two runs racing never remind twice. Returns how many were sent."""
    now = now or china_now()
    if now.hour < _cfg("APPOINTMENT_REMINDER_HOUR", 9):
        return 0
    tomorrow = now.date() + timedelta(days=1)
    rows = db.session.execute(
        _joined([Slot.day == tomorrow, Appointment.status == S.BOOKED, Appointment.reminded_at.is_(None)])
    ).all()
    sent = 0
    for appt, slot, window, hall in rows:
        claimed = db.session.execute(
            sa.update(Appointment)
            .where(Appointment.id == appt.id, Appointment.reminded_at.is_(None), Appointment.status == S.BOOKED)
            .values(reminded_at=_naive_utc(now))
        ).rowcount
        if claimed:
            case = db.session.get(Case, appt.case_id) if appt.case_id else None
            outbox.emit(
                "appointment.reminder",
                aggregate_type="appointment",
                aggregate_id=appt.id,
                payload=_payload(appt, slot, window, hall, case),
            )
            sent += 1
        db.session.commit()
    return sent
