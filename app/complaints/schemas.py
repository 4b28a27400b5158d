"""Output schema of a consultation or complaint, shared by the citizen and the staff API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F


class ComplaintSchema(ma.Schema):
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
    content = F.String(allow_none=True, metadata={"description": "null in lists: read the detail"})
    status = F.String(metadata={"description": "open | answered"})
    due_on = F.String(metadata={"format": "date"})
    overdue = F.Boolean()
    created_at = F.String()
    answer = F.String(allow_none=True, metadata={"description": "null in lists: read the detail"})
    answered_at = F.String(allow_none=True)
    rating = F.Integer(allow_none=True)
    rated_at = F.String(allow_none=True)
