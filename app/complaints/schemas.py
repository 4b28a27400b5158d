"""Output schema of a consultation or complaint, shared by the citizen and the staff API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

from app.complaints.models import ComplaintKind, ComplaintStatus, SubjectType
from app.web.schemas import Day, Instant, one_of


class ComplaintSchema(ma.Schema):
    id = F.Integer()
    kind = one_of(ComplaintKind)
    subject_type = one_of(SubjectType)
    subject_name = F.String()
    service_code = F.String(allow_none=True)
    case_id = F.Integer(allow_none=True)
    hall_code = F.String(allow_none=True)
    department_code = F.String()
    department_name = F.String()
    title = F.String()
    content = F.String(allow_none=True, metadata={"description": "null in lists: read the detail"})
    status = one_of(ComplaintStatus)
    due_on = Day(metadata={"description": "answer due by (working days from filing)"})
    overdue = F.Boolean()
    created_at = Instant()
    answer = F.String(allow_none=True, metadata={"description": "null in lists: read the detail"})
    answered_at = Instant(allow_none=True)
    rating = F.Integer(allow_none=True)
    rated_at = Instant(allow_none=True)
