"""Appointment (预约) errors."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound, ValidationFailed


class SlotNotFound(NotFound):
    error = "SLOT_NOT_FOUND"
    message = "未找到该预约时段"


class AppointmentNotFound(NotFound):
    error = "APPOINTMENT_NOT_FOUND"
    message = "未找到该预约"


class ItemNotServed(ValidationFailed):
    error = "ITEM_NOT_SERVED"
    message = "该窗口不办理此事项，请选择其他时段"


class SlotFull(Conflict):
    error = "SLOT_FULL"
    message = "该时段已约满，请选择其他时段"


class SlotPast(Conflict):
    error = "SLOT_CLOSED"
    message = "该时段已不可预约"


class AlreadyBooked(Conflict):
    error = "ALREADY_BOOKED"
    message = "您已预约该时段"


class NotCancellable(Conflict):
    error = "NOT_CANCELLABLE"
    message = "该预约已不能取消"


class CancelTooLate(Conflict):
    error = "CANCEL_CUTOFF_PASSED"
    message = "已超过可取消时间，如不能前往请联系大厅"


class BookingBanned(Forbidden):
    error = "BOOKING_BANNED"
    message = "您近期多次预约未到，暂停网上预约"


class CheckinNotFound(NotFound):
    error = "CHECKIN_CODE_NOT_FOUND"
    message = "签到码无效或不是今天的预约"


class AlreadyCheckedIn(Conflict):
    error = "ALREADY_CHECKED_IN"
    message = "该预约已签到"
