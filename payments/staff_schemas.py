"""Schemas of the staff payment alarm endpoints (payments/staff_views.py)."""

from __future__ import annotations

import marshmallow as ma

from app.web.schemas import BaseSchema, Instant, PageQuerySchema, one_of

F = ma.fields


class AlarmQuerySchema(PageQuerySchema):
    state = F.String(load_default="open", validate=ma.validate.OneOf(["open", "resolved", "all"]))


class AlarmSchema(ma.Schema):
    id = F.Integer()
    kind = F.String()
    kind_text = F.String()
    channel = one_of(("wechat", "alipay"), allow_none=True)
    case_id = F.Integer(allow_none=True)
    case_number = F.String(allow_none=True)
    out_trade_no = F.String(allow_none=True)
    detail = F.Dict()
    created_at = Instant()
    resolved_at = Instant(allow_none=True)
    resolution = F.String(allow_none=True)


class ResolveSchema(BaseSchema):
    note = F.String(
        required=True,
        validate=[
            ma.validate.Length(min=2, max=500, error="请填写处理情况（2–500字）"),
            ma.validate.Regexp(r"\S", error="请填写处理情况（2–500字）"),
        ],
    )
