"""Schemas of the rating (好差评) endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.evaluations.service import QUESTIONS
from app.web.schemas import BaseSchema

SCORE = {"description": "5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意"}


class EvaluationCreateSchema(BaseSchema):
    score = F.Integer(required=True, validate=V.Range(min=1, max=5), metadata=SCORE)
    answers = F.Dict(
        keys=F.String(validate=V.OneOf(list(QUESTIONS))),
        values=F.Integer(validate=V.Range(min=1, max=5)),
        metadata={
            "description": "optional per-question scores 1–5: " + ", ".join(f"{k} {v}" for k, v in QUESTIONS.items())
        },
    )
    comment = F.String(validate=V.Length(max=500), allow_none=True)


class ResolutionSchema(BaseSchema):
    resolved = F.Boolean(required=True, metadata={"description": "did the department's reply resolve the matter"})


class CitizenFollowupSchema(ma.Schema):
    status = F.String(metadata={"description": "open | replied | closed"})
    due_on = F.String(metadata={"format": "date"})
    overdue = F.Boolean()
    reply = F.String(allow_none=True)
    replied_at = F.String(allow_none=True)
    resolved = F.Boolean(allow_none=True)
    resolved_at = F.String(allow_none=True)


class CitizenEvaluationSchema(ma.Schema):
    id = F.Integer()
    case_id = F.Integer()
    case_number = F.String(allow_none=True)
    service_code = F.String()
    service_name = F.String()
    department_code = F.String()
    score = F.Integer(metadata=SCORE)
    label = F.String()
    answers = F.Dict()
    comment = F.String(allow_none=True)
    created_at = F.String()
    followup = F.Nested(CitizenFollowupSchema, allow_none=True)


class AwaitingSchema(ma.Schema):
    case_id = F.Integer()
    case_number = F.String(allow_none=True)
    service_name = F.String()
    department_name = F.String()
    status = F.String()
