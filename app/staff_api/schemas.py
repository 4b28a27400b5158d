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


_TOTP_CODE = V.Regexp(r"^\d{6}$", error="动态验证码为6位数字")


class StaffLoginSchema(BaseSchema):
    username = F.String(required=True, validate=V.Length(min=1, max=64), metadata={"example": "yqx-mz-reviewer"})
    password = F.String(
        required=True, validate=V.Length(min=1, max=256), load_only=True, metadata={"example": "Zsb-Demo-2026"}
    )
    totp = F.String(
        load_only=True,
        validate=_TOTP_CODE,
        metadata={
            "description": "the 6-digit code of the authenticator app (second factor): required when the "
            "account has one and wherever STAFF_TOTP_REQUIRED (always in production)",
            "example": "492039",
        },
    )


class TotpStartSchema(BaseSchema):
    totp = F.String(
        load_only=True,
        validate=_TOTP_CODE,
        metadata={"description": "a current code of the active second factor, to replace it", "example": "492039"},
    )


class TotpConfirmSchema(BaseSchema):
    code = F.String(required=True, validate=_TOTP_CODE, metadata={"example": "730114"})


class TotpEnrolmentSchema(ma.Schema):
    otpauth_uri = F.String(
        required=True,
        metadata={"description": "for the authenticator app (as a QR code); shown this once"},
    )
    secret = F.String(required=True, metadata={"description": "the same secret, for typing in by hand"})


class TotpConfirmedSchema(ma.Schema):
    totp_enrolled = F.Boolean(required=True)
    totp_enabled_at = _utc("totp_enabled_at")
    sessions_revoked = F.Integer(required=True, metadata={"description": "other sessions of the account ended"})


class SessionsRevokedSchema(ma.Schema):
    staff_id = F.Integer(required=True)
    revoked = F.Integer(required=True, metadata={"description": "live sessions ended"})


class StaffSchema(ma.Schema):
    id = F.Integer()
    username = F.String()
    display_name = F.String()
    role = one_of(StaffRole)
    department_code = F.String()
    active = F.Boolean()
    last_login_at = _utc("last_login_at")
    totp_enrolled = F.Boolean(metadata={"description": "whether a second factor (TOTP) is active"})


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
