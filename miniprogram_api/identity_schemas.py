"""Schemas of the citizen auth and identity endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.identity.audit import KINDS as ATTEMPT_KINDS
from app.identity.public import (
    CHANNELS,
    KIND_ALIPAY_OPEN_ID,
    KIND_ALIPAY_USER_ID,
    KIND_PHONE,
    KIND_WECHAT_OPENID,
    KIND_WECHAT_UNIONID,
)
from app.web.schemas import BaseSchema, one_of, page_of

# Provider references are opaque; bound their size.
_ref = V.Length(min=1, max=128)

IDENTIFIER_KINDS = (KIND_WECHAT_OPENID, KIND_WECHAT_UNIONID, KIND_ALIPAY_USER_ID, KIND_ALIPAY_OPEN_ID, KIND_PHONE)

# What the core enforces (app/identity/registry.py), stated for the client.
MOBILE = {
    "description": "11-digit mainland mobile number (spaces, dashes and a +86 prefix are tolerated)",
    "pattern": r"^1[3-9]\d{9}$",
    "example": "13800138000",
}
ID_NUMBER = {
    "description": "18-character resident ID number (居民身份证号码), check digit verified",
    "pattern": r"^\d{17}[\dXx]$",
    "example": "539921199003071204",
}
NAME = {"description": "the Chinese name as on the ID card (2–30 characters)", "example": "林晓岚"}


def _iso(value):
    return value.isoformat() + "Z" if value else None


def _utc(key: str, description: str = "UTC, or null"):
    """A naive-UTC datetime attribute or key, as ISO 8601 with Z."""

    def get(obj):
        return _iso(obj[key] if isinstance(obj, dict) else getattr(obj, key))

    return F.Function(get, metadata={"type": ["string", "null"], "format": "date-time", "description": description})


# ---------------------------------------------------------------- requests


class WechatLoginSchema(BaseSchema):
    code = F.String(required=True, validate=V.Length(min=1, max=256), metadata={"description": "wx.login code"})


class AlipayLoginSchema(BaseSchema):
    auth_code = F.String(
        required=True, validate=V.Length(min=1, max=256), metadata={"description": "my.getAuthCode authCode"}
    )


class SmsSendSchema(BaseSchema):
    mobile = F.String(required=True, validate=V.Length(min=1, max=32), metadata=MOBILE)


class SmsLoginSchema(BaseSchema):
    mobile = F.String(required=True, validate=V.Length(min=1, max=32), metadata=MOBILE)
    code = F.String(required=True, validate=V.Regexp(r"^\d{6}$", error="验证码为6位数字"))


class RefreshSchema(BaseSchema):
    refresh_token = F.String(required=True, validate=V.Length(min=1, max=256))


class RealnameSchema(BaseSchema):
    name = F.String(required=True, validate=V.Length(min=1, max=40), metadata=NAME)
    id_number = F.String(required=True, validate=V.Length(min=1, max=40), metadata=ID_NUMBER)


class FaceStartSchema(BaseSchema):
    channel = F.String(required=True, validate=V.OneOf(("wechat", "alipay")))
    name = F.String(
        validate=V.Length(min=1, max=40), metadata={**NAME, "description": "only for an account without real name"}
    )
    id_number = F.String(
        validate=V.Length(min=1, max=40),
        metadata={**ID_NUMBER, "description": "only for an account without real name; " + ID_NUMBER["description"]},
    )


class FaceCompleteSchema(BaseSchema):
    """Exactly one of verify_id (WeChat), certify_id (Alipay), verify_result (older WeChat flow)."""

    verify_id = F.String(validate=_ref, metadata={"description": "WeChat: from face/start"})
    certify_id = F.String(validate=_ref, metadata={"description": "Alipay: from face/start"})
    verify_result = F.String(
        validate=_ref, metadata={"description": "WeChat older flow: from wx.startFacialRecognitionVerify"}
    )
    name = F.String(
        validate=V.Length(min=1, max=40), metadata={**NAME, "description": "older flow, account without real name"}
    )
    id_number = F.String(validate=V.Length(min=1, max=40), metadata=ID_NUMBER)

    @ma.validates_schema
    def _exactly_one(self, data, **kwargs):
        given = [k for k in ("verify_id", "certify_id", "verify_result") if data.get(k)]
        if len(given) != 1:
            raise ma.ValidationError("请提供 verify_id、certify_id 或 verify_result 之一", "_schema")
        if (data.get("name") or data.get("id_number")) and not data.get("verify_result"):
            raise ma.ValidationError("只有 verify_result 方式需要填写姓名和身份证号码", "_schema")

    @ma.post_load
    def _as_service_arguments(self, data, **kwargs):
        """{channel, provider_ref} or {channel, verify_result, name, id_number} for the core."""
        if data.get("certify_id"):
            return {"channel": "alipay", "provider_ref": data["certify_id"]}
        if data.get("verify_id"):
            return {"channel": "wechat", "provider_ref": data["verify_id"]}
        return {
            "channel": "wechat",
            "verify_result": data["verify_result"],
            "name": data.get("name"),
            "id_number": data.get("id_number"),
        }


# ---------------------------------------------------------------- responses


class TokenSchema(ma.Schema):
    access_token = F.String()
    token_type = one_of(["Bearer"])
    expires_in = F.Integer(metadata={"description": "seconds"})
    refresh_token = F.String()
    refresh_expires_in = F.Integer(metadata={"description": "seconds"})
    account_id = F.Integer()
    level = F.Integer(
        validate=V.OneOf([2, 3, 4]), metadata={"description": "2 channel login, 3 real name, 4 face verified"}
    )
    auth_time = _utc("auth_time", "when the citizen authenticated (UTC)")
    face_at = _utc("face_at", "last face check of this session (UTC), or null")


class SmsSentSchema(ma.Schema):
    expires_in = F.Integer(metadata={"description": "seconds the code stays valid"})
    resend_after = F.Integer(metadata={"description": "seconds before another code can be sent"})


class FaceStartedSchema(ma.Schema):
    channel = one_of(("wechat", "alipay"))
    out_seq_no = F.String()
    verify_id = F.String(allow_none=True, metadata={"description": "WeChat: pass to wx.requestFacialVerify"})
    certify_id = F.String(allow_none=True, metadata={"description": "Alipay: keep for face/complete"})
    certify_url = F.String(allow_none=True, metadata={"description": "Alipay: the certify page to open"})
    expires_in = F.Integer(metadata={"description": "seconds"})


class RealnameViewSchema(ma.Schema):
    name = F.String(metadata={"description": "masked, e.g. **岚"})
    id_number = F.String(metadata={"description": "masked, e.g. 5399**********1204"})
    verified_at = _utc("verified_at")
    face_verified_at = _utc("face_verified_at")


class ChannelViewSchema(ma.Schema):
    channel = one_of(CHANNELS, metadata={"description": "wechat / wechat_app / alipay / app"})
    kind = one_of(IDENTIFIER_KINDS, metadata={"description": "the kind of identifier that links the channel"})
    appid = F.String(allow_none=True)
    mobile = F.String(allow_none=True, metadata={"description": "masked"})
    linked_at = _utc("linked_at")
    last_login_at = _utc("last_login_at")


class MeSchema(ma.Schema):
    account_id = F.Integer()
    level = F.Integer(
        validate=V.OneOf([2, 3, 4]), metadata={"description": "2 channel login, 3 real name, 4 face verified"}
    )
    auth_time = _utc("auth_time")
    face_at = _utc("face_at")
    created_at = _utc("created_at")
    realname = F.Nested(RealnameViewSchema, allow_none=True)
    channels = F.List(F.Nested(ChannelViewSchema))


class AttemptSchema(ma.Schema):
    kind = one_of(ATTEMPT_KINDS)
    channel = one_of(CHANNELS, allow_none=True)
    outcome = F.String(metadata={"description": "passed, started, mismatch, failed, expired, denied, locked, error …"})
    provider_ref = F.String(allow_none=True)
    code = F.String(allow_none=True)
    created_at = _utc("created_at")


AttemptPageSchema = page_of(AttemptSchema)
