"""Schemas of the staff consultation and complaint endpoints."""

from __future__ import annotations

from marshmallow import fields as F
from marshmallow import validate as V

from app.complaints.models import ComplaintKind, ComplaintStatus
from app.complaints.schemas import ComplaintSchema
from app.web.schemas import BaseSchema, PageQuerySchema


class ComplaintQuerySchema(PageQuerySchema):
    status = F.String(validate=V.OneOf([s.value for s in ComplaintStatus]))
    kind = F.String(validate=V.OneOf([k.value for k in ComplaintKind]))


class AnswerSchema(BaseSchema):
    answer = F.String(required=True, validate=V.Length(min=1, max=2000))


class StaffComplaintSchema(ComplaintSchema):
    """A consultation or complaint in the department's queue (fields: app/complaints/schemas.py)."""
