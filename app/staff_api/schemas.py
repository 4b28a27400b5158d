"""Schemas of the staff API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.staff.models import StaffRole
from app.web.schemas import BaseSchema, one_of, page_of


def _utc(key: str):
    def get(obj):
        value = obj[key]
        return value.isoformat() + "Z" if value else None

    return F.Function(get, metadata={"type": ["string", "null"], "format": "date-time"})


class StaffLoginSchema(BaseSchema):
    username = F.String(required=True, validate=V.Length(min=1, max=64))
    password = F.String(required=True, validate=V.Length(min=1, max=256), load_only=True)


class StaffSchema(ma.Schema):
    id = F.Integer()
    username = F.String()
    display_name = F.String()
    role = one_of(StaffRole)
    department_code = F.String()
    active = F.Boolean()
    last_login_at = _utc("last_login_at")


class StaffTokenSchema(ma.Schema):
    access_token = F.String()
    token_type = one_of(["Bearer"])
    expires_in = F.Integer(metadata={"description": "seconds"})
    staff = F.Nested(StaffSchema)


class StaffListSchema(ma.Schema):
    items = F.List(F.Nested(StaffSchema))


class StaffActionSchema(ma.Schema):
    id = F.Integer()
    staff_id = F.Integer(allow_none=True)
    action = F.String()
    target = F.String(allow_none=True)
    outcome = F.String()
    created_at = _utc("created_at")


StaffActionPageSchema = page_of(StaffActionSchema)
