"""Output schemas of a rating and its follow-up, shared by the citizen and the staff API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

SCORE = {"description": "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意"}


class FollowupSchema(ma.Schema):
    status = F.String(metadata={"description": "open | replied | closed"})
    due_on = F.String(metadata={"format": "date"})
    overdue = F.Boolean()
    reply = F.String(allow_none=True, metadata={"description": "null in the department's list: read the detail"})
    replied_at = F.String(allow_none=True)
    resolved = F.Boolean(allow_none=True)
    resolved_at = F.String(allow_none=True)


class EvaluationSchema(ma.Schema):
    id = F.Integer()
    case_id = F.Integer()
    case_number = F.String(allow_none=True)
    service_code = F.String()
    service_name = F.String()
    department_code = F.String()
    score = F.Integer(metadata=SCORE)
    label = F.String()
    answers = F.Dict()
    comment = F.String(allow_none=True, metadata={"description": "null in the department's list: read the detail"})
    created_at = F.String()
    followup = F.Nested(FollowupSchema, allow_none=True)
