"""Output schemas of a rating and its follow-up, shared by the citizen and the staff API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

from app.evaluations.models import FollowupStatus
from app.web.schemas import Day, Instant, one_of

SCORE = {"description": "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意"}


class FollowupSchema(ma.Schema):
    status = one_of(FollowupStatus)
    due_on = Day()
    overdue = F.Boolean()
    reply = F.String(allow_none=True, metadata={"description": "null in the department's list: read the detail"})
    replied_at = Instant(allow_none=True)
    resolved = F.Boolean(allow_none=True)
    resolved_at = Instant(allow_none=True)


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
    created_at = Instant()
    followup = F.Nested(FollowupSchema, allow_none=True)
