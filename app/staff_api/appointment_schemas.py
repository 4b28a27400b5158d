"""Schemas of the staff appointment endpoints (the day's list, check-in)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.appointments.models import AppointmentStatus
from app.web.schemas import BaseSchema, Day, Instant, one_of

HHMM = {"description": "HH:MM, Beijing time", "pattern": r"^\d{2}:\d{2}$"}


class DayQuerySchema(BaseSchema):
    day = F.Date(metadata={"description": "China date; default today"})


class CheckinSchema(BaseSchema):
    code = F.String(required=True, validate=V.Regexp(r"^\d{6}$", error="签到码为6位数字"))


class StaffSlotSchema(ma.Schema):
    id = F.Integer()
    hall_code = F.String()
    hall_name = F.String()
    window_number = F.String()
    window_name = F.String()
    day = Day()
    starts = F.String(metadata=HHMM)
    ends = F.String(metadata=HHMM)


class StaffAppointmentSchema(ma.Schema):
    id = F.Integer()
    status = one_of(AppointmentStatus)
    service_code = F.String()
    service_name = F.String()
    case_id = F.Integer(allow_none=True)
    slot = F.Nested(StaffSlotSchema)
    checked_in_at = Instant(allow_none=True)
    applicant_masked = F.String(
        metadata={"description": "in the day's list (not in the check-in answer)", "x-optional": True}
    )


class StaffAppointmentDaySchema(ma.Schema):
    day = Day()
    items = F.List(F.Nested(StaffAppointmentSchema))
