"""Schemas of the figures, shared by the public and the staff endpoints (read-only shapes)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.web.schemas import BaseSchema, Day


class PeriodQuerySchema(BaseSchema):
    date_from = F.Date(data_key="from", metadata={"description": "China date; default 1 January of this year"})
    date_to = F.Date(
        data_key="to",
        metadata={
            "description": "China date, inclusive; default today. Not before `from`; the period spans at most three years"
        },
    )


class TrendQuerySchema(BaseSchema):
    months = F.Integer(load_default=12, validate=V.Range(min=1, max=36))  # three years, like the figures


class PeriodSchema(ma.Schema):
    from_ = Day(data_key="from", attribute="from")
    to = Day()


class RateSchema(ma.Schema):
    rate = F.Float(allow_none=True, metadata={"description": "numerator / denominator, 4 decimals; null when 0/0"})
    numerator = F.Integer()
    denominator = F.Integer()


class ProcessingSchema(ma.Schema):
    closed_cases = F.Integer()
    mean_days = F.Float(allow_none=True, metadata={"description": "working days"})
    p90_days = F.Integer(allow_none=True, metadata={"description": "working days"})
    mean_promised_days = F.Float(allow_none=True, metadata={"description": "working days"})
    within_promise_rate = F.Nested(RateSchema)


class MaterialsSchema(ma.Schema):
    licence = F.Integer()
    commitment = F.Integer()
    upload = F.Integer()


class AudienceSplitSchema(ma.Schema):
    individual = F.Integer(metadata={"description": "cases persons submitted for themselves"})
    legal_person = F.Integer(metadata={"description": "cases applied for an enterprise"})


class FiguresSchema(ma.Schema):
    period = F.Nested(PeriodSchema)
    department_code = F.String(allow_none=True)
    as_of = Day()
    cases_submitted = F.Integer()
    cases_by_audience = F.Nested(AudienceSplitSchema, metadata={"description": "cases_submitted split by audience"})
    full_online_rate = F.Nested(RateSchema)
    mobile_rate = F.Nested(RateSchema)
    instant_approval_rate = F.Nested(RateSchema)
    materials_without_upload_rate = F.Nested(RateSchema)
    materials = F.Nested(MaterialsSchema)
    visits_avoided = F.Integer()
    processing = F.Nested(ProcessingSchema)
    overdue_count = F.Integer()
    ratings = F.Integer()
    satisfaction_rate = F.Nested(RateSchema)
    bad_rating_followup_rate = F.Nested(RateSchema)
