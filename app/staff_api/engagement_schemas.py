"""Response schemas of the staff engagement endpoints (ratings, complaints, appointments, figures)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F


class StaffFollowupSchema(ma.Schema):
    status = F.String(metadata={"description": "open | replied | closed"})
    due_on = F.String(metadata={"format": "date"})
    overdue = F.Boolean()
    reply = F.String(allow_none=True)
    replied_at = F.String(allow_none=True)
    resolved = F.Boolean(allow_none=True)
    resolved_at = F.String(allow_none=True)


class StaffEvaluationSchema(ma.Schema):
    id = F.Integer()
    case_id = F.Integer()
    case_number = F.String(allow_none=True)
    service_code = F.String()
    service_name = F.String()
    department_code = F.String()
    score = F.Integer(metadata={"description": "5 非常满意 … 1 非常不满意"})
    label = F.String()
    answers = F.Dict()
    comment = F.String(allow_none=True)
    created_at = F.String()
    followup = F.Nested(StaffFollowupSchema, allow_none=True)


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


class StaffComplaintSchema(ma.Schema):
    id = F.Integer()
    kind = F.String(metadata={"description": "consultation | complaint"})
    subject_type = F.String()
    subject_name = F.String()
    service_code = F.String(allow_none=True)
    case_id = F.Integer(allow_none=True)
    hall_code = F.String(allow_none=True)
    department_code = F.String()
    department_name = F.String()
    title = F.String()
    content = F.String()
    status = F.String()
    due_on = F.String(metadata={"format": "date"})
    overdue = F.Boolean()
    created_at = F.String()
    answer = F.String(allow_none=True)
    answered_at = F.String(allow_none=True)
    rating = F.Integer(allow_none=True)
