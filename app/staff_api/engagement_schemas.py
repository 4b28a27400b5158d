"""Response schemas of the staff engagement endpoints (ratings, complaints, appointments, figures)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

from app.complaints.schemas import ComplaintSchema
from app.evaluations.schemas import EvaluationSchema


class StaffEvaluationSchema(EvaluationSchema):
    """A rating in the department's list (fields: app/evaluations/schemas.py)."""


class StaffSlotSchema(ma.Schema):
    id = F.Integer()
    hall_code = F.String()
    hall_name = F.String()
    window_number = F.String()
    window_name = F.String()
    day = F.String(metadata={"format": "date"})
    starts = F.String()
    ends = F.String()


class StaffAppointmentSchema(ma.Schema):
    id = F.Integer()
    status = F.String()
    service_code = F.String()
    service_name = F.String()
    case_id = F.Integer(allow_none=True)
    slot = F.Nested(StaffSlotSchema)
    checked_in_at = F.String(allow_none=True)
    applicant_masked = F.String()


class StaffAppointmentDaySchema(ma.Schema):
    day = F.String(metadata={"format": "date"})
    items = F.List(F.Nested(StaffAppointmentSchema))


class StaffComplaintSchema(ComplaintSchema):
    """A consultation or complaint in the department's queue (fields: app/complaints/schemas.py)."""
