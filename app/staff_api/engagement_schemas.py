"""Response schemas of the staff engagement endpoints (ratings, complaints, appointments, figures)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

from app.appointments.models import AppointmentStatus
from app.complaints.schemas import ComplaintSchema
from app.evaluations.schemas import EvaluationSchema
from app.web.schemas import Day, Instant, one_of

HHMM = {"description": "HH:MM, Beijing time", "pattern": r"^\d{2}:\d{2}$"}


class StaffEvaluationSchema(EvaluationSchema):
    """A rating in the department's list (fields: app/evaluations/schemas.py)."""


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


class StaffComplaintSchema(ComplaintSchema):
    """A consultation or complaint in the department's queue (fields: app/complaints/schemas.py)."""
