"""Schemas of the rating (好差评) endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.cases.public import CaseStatus
from app.evaluations.schemas import SCORE, EvaluationSchema
from app.evaluations.service import QUESTIONS
from app.web.schemas import BaseSchema, one_of


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


class CitizenEvaluationSchema(EvaluationSchema):
    """A rating as its author sees it (fields: app/evaluations/schemas.py)."""


class AwaitingSchema(ma.Schema):
    case_id = F.Integer()
    case_number = F.String(allow_none=True)
    service_name = F.String()
    department_name = F.String()
    status = one_of(CaseStatus)
