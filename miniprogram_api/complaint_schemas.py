"""Schemas of the consultation and complaint endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.complaints.public import ComplaintKind, SubjectType
from app.web.schemas import ID_RANGE, BaseSchema

_REFS = {SubjectType.ITEM: "service_code", SubjectType.CASE: "case_id", SubjectType.HALL: "hall_code"}


class ComplaintCreateSchema(BaseSchema):
    kind = F.String(required=True, validate=V.OneOf([k.value for k in ComplaintKind]))
    subject_type = F.String(
        required=True,
        validate=V.OneOf([s.value for s in SubjectType]),
        metadata={"description": "item (service_code) | case (case_id, one of mine) | hall (hall_code)"},
    )
    service_code = F.String(validate=V.Length(min=1, max=64))
    case_id = F.Integer(validate=ID_RANGE)
    hall_code = F.String(validate=V.Length(min=1, max=32))
    title = F.String(required=True, validate=V.Length(min=1, max=100))
    content = F.String(required=True, validate=V.Length(min=1, max=2000))

    @ma.validates_schema
    def _one_subject(self, data, **kwargs):
        wanted = _REFS.get(data.get("subject_type"))
        if wanted is None:
            return
        given = [ref for ref in _REFS.values() if data.get(ref) is not None]
        if given != [wanted]:
            raise ma.ValidationError(f"请只填写{wanted}", field_name=wanted)


class ComplaintRatingSchema(BaseSchema):
    rating = F.Integer(
        required=True, validate=V.Range(min=1, max=5), metadata={"description": "5 非常满意 … 1 非常不满意"}
    )
