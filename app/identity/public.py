"""The names of the identity domain the citizen API and the satellites may use besides the service
functions: the login channels and the kinds of channel identity. Imported from here, never from
the core's models."""

from __future__ import annotations

from app.identity.models import (
    CHANNELS,
    KIND_ALIPAY_OPEN_ID,
    KIND_ALIPAY_USER_ID,
    KIND_PHONE,
    KIND_WECHAT_OPENID,
    KIND_WECHAT_UNIONID,
)

__all__ = [
    "CHANNELS",
    "KIND_ALIPAY_OPEN_ID",
    "KIND_ALIPAY_USER_ID",
    "KIND_PHONE",
    "KIND_WECHAT_OPENID",
    "KIND_WECHAT_UNIONID",
]
