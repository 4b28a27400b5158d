"""Schemas of the staff notification endpoints (notifications/staff_views.py)."""

from __future__ import annotations

import marshmallow as ma

from app.web.schemas import Instant, PageQuerySchema, one_of


class FailureQuerySchema(PageQuerySchema):
    channel = ma.fields.String(validate=ma.validate.OneOf(["wechat", "alipay", "sms"]))


class FailureSchema(ma.Schema):
    id = ma.fields.Integer()
    event_type = ma.fields.String()
    channel = one_of(("wechat", "alipay", "sms"))
    case_id = ma.fields.Integer(allow_none=True)
    case_number = ma.fields.String(allow_none=True)
    error_code = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    attempts = ma.fields.Integer()
    created_at = Instant()
    failed_at = Instant(allow_none=True)
