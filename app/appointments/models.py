"""Halls (政务服务大厅), their windows and the items each window serves, bookable time slots and
the appointments made in them.

A slot belongs to one window on one China date, from `starts` to `ends` (China local times), and
holds at most `capacity` appointments: `booked` is raised under the slot's row lock and a CHECK
constraint keeps it within the capacity even if a code path forgot the lock.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import utcnow
from app.extensions import db


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"


class Hall(db.Model):
    __tablename__ = "appointment_halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    # the department that runs the hall (complaints about the hall go there)
    department_code: Mapped[str] = mapped_column(sa.String(32))

    windows: Mapped[list[HallWindow]] = relationship(back_populates="hall", order_by="HallWindow.number")


class HallWindow(db.Model):
    __tablename__ = "hall_windows"
    __table_args__ = (sa.UniqueConstraint("hall_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_halls.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(100))
    # the department staffing the window (its staff check citizens in)
    department_code: Mapped[str] = mapped_column(sa.String(32), index=True)

    hall: Mapped[Hall] = relationship(back_populates="windows")


class WindowItem(db.Model):
    """An item (by implementation code) a window serves."""

    __tablename__ = "hall_window_items"

    window_id: Mapped[int] = mapped_column(sa.ForeignKey("hall_windows.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)


class Slot(db.Model):
    __tablename__ = "appointment_slots"
    __table_args__ = (
        sa.UniqueConstraint("window_id", "day", "starts"),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="capacity"),
        sa.Index("ix_appointment_slots_day", "day", "window_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("hall_windows.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    starts: Mapped[time] = mapped_column(sa.Time)
    ends: Mapped[time] = mapped_column(sa.Time)
    capacity: Mapped[int] = mapped_column()
    booked: Mapped[int] = mapped_column(default=0, server_default="0")

    window: Mapped[HallWindow] = relationship()


class Appointment(db.Model):
    __tablename__ = "appointments"
    __table_args__ = (
        sa.Index("ix_appointments_account_status", "account_id", "status"),
        sa.Index("ix_appointments_slot_status", "slot_id", "status"),
        # a code names one appointment in its hall on its day
        sa.UniqueConstraint("hall_id", "day", "checkin_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_slots.id"))
    # the slot's hall and day, copied so the check-in code can be unique per hall and day
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_halls.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    service_code: Mapped[str] = mapped_column(sa.String(64))
    service_name: Mapped[str] = mapped_column(sa.String(200))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=AppointmentStatus.BOOKED)
    # shown at the hall on the day; unique among the hall's appointments of that day
    checkin_code: Mapped[str] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()
    no_show_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()

    slot: Mapped[Slot] = relationship()


TABLES = ("appointments", "appointment_slots", "hall_window_items", "hall_windows", "appointment_halls")
