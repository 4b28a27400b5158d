"""Schemas of the staff rating endpoints (ratings and their follow-up)."""

from __future__ import annotations

from marshmallow import fields as F
from marshmallow import validate as V

from app.evaluations.models import FollowupStatus
from app.evaluations.schemas import EvaluationSchema
from app.web.schemas import BaseSchema, PageQuerySchema


class EvaluationQuerySchema(PageQuerySchema):
    followup = F.String(validate=V.OneOf([s.value for s in FollowupStatus]))


class ReplySchema(BaseSchema):
    reply = F.String(required=True, validate=V.Length(min=1, max=1000))


class StaffEvaluationSchema(EvaluationSchema):
    """A rating in the department's list (fields: app/evaluations/schemas.py)."""
