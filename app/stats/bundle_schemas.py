"""Schemas of the 一件事 bundle figures (app/stats/bundles.py)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

from app.stats.schemas import PeriodSchema

_DAYS = {"description": "working days"}


class BundleFigureSchema(ma.Schema):
    submitted = F.Integer(metadata={"description": "bundle applications submitted in the period"})
    items = F.Integer(metadata={"description": "member cases they created"})
    items_per_bundle = F.Float(allow_none=True)
    materials_asked = F.Integer(metadata={"description": "materials asked (one merged checklist per bundle)"})
    materials_if_separate = F.Integer(metadata={"description": "materials the member cases list one by one"})
    materials_saved = F.Integer(metadata={"description": "asked once instead of n times"})
    visits_avoided = F.Integer(metadata={"description": "on-site visits the members would need one by one"})
    concluded = F.Integer()
    within_promise = F.Integer(metadata={"description": "concluded within the bundle's promised time"})
    within_promise_rate = F.Float(allow_none=True)
    average_completion_days = F.Float(allow_none=True, metadata=_DAYS)


class BundleFigureRowSchema(BundleFigureSchema):
    bundle_code = F.String()
    bundle_name = F.String()
    promised_time_limit = F.Integer(metadata=_DAYS)


class BundleFiguresSchema(ma.Schema):
    period = F.Nested(PeriodSchema)
    overall = F.Nested(BundleFigureSchema, metadata={"description": "every bundle together"})
    by_bundle = F.List(F.Nested(BundleFigureRowSchema))
