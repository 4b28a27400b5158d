"""The interface between the identity core and the channel providers.

Each provider package (`wechat/`, `alipay/`) returns these dataclasses and raises these errors;
the identity service never sees an SDK object or a provider error code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.clients.errors import ProviderError, ProviderNotConfigured

# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ChannelLogin:
    """Who the provider says is logging in.

    channel: "wechat" (mini-program), "wechat_app" (Open Platform app login) or "alipay".
    WeChat fills appid, openid and unionid (when the app is bound to an Open Platform account);
    Alipay fills user_id (2088…) and/or open_id (new apps get open_id only), appid = app_id.
    """

    channel: str
    appid: str
    openid: str | None = None
    unionid: str | None = None
    user_id: str | None = None
    open_id: str | None = None


@dataclass(frozen=True)
class FaceSession:
    """A face verification started at the provider.

    provider_ref: WeChat verify_id / Alipay certify_id — what the phone needs.
    out_seq_no: our own reference (WeChat out_seq_no / Alipay outer_order_no).
    certify_url: Alipay only, the page the mini-program opens.
    """

    channel: str
    provider_ref: str
    out_seq_no: str
    expires_in: int
    certify_url: str | None = None


@dataclass(frozen=True)
class FaceOutcome:
    """The provider's verdict. passed is True only on WeChat verify_ret 10000 / identify_ret 0
    (old flow, with the MD5 checks matching) / Alipay passed == "T"."""

    channel: str
    provider_ref: str
    passed: bool
    code: str  # provider's result code as text ("10000", "90002", "T", "F", ...)
    detail: dict = field(default_factory=dict)


# ---------------------------------------------------------------- errors


# The shared base, under the name the identity core has always used for "a provider answer with
# no more specific meaning" (PROVIDER_ERROR). ProviderNotConfigured lives in app.clients.errors
# because the shared clients raise it too (an unusable Alipay key).
GatewayError = ProviderError


class InvalidCode(GatewayError):
    """Login / auth code invalid, expired or already used (WeChat 40029, 40163; Alipay invalid auth_code)."""

    error = "INVALID_LOGIN_CODE"
    message = "登录凭证无效或已过期，请重新进入小程序"
    http_status = 400


class ProviderRateLimited(GatewayError):
    """The provider throttles us (WeChat 45011)."""

    retryable = True
    error = "PROVIDER_RATE_LIMITED"
    message = "登录人数较多，请稍后再试"
    http_status = 429


class RiskyUser(GatewayError):
    """WeChat 40226: the provider flags the user as high risk."""

    error = "RISKY_USER"
    message = "当前账号存在风险，暂时无法登录，请联系微信客服"
    http_status = 403


class ProviderBusy(GatewayError):
    """WeChat -1, network errors, 5xx: try again later."""

    retryable = True
    error = "PROVIDER_BUSY"
    message = "第三方服务繁忙，请稍后再试"
    http_status = 503


class BadProviderResponse(GatewayError):
    """The response failed its signature check or was malformed: never trusted."""

    error = "PROVIDER_RESPONSE_INVALID"
    message = "第三方服务返回异常，请稍后再试"
    http_status = 502


class FaceNotFinished(GatewayError):
    """The face check has no verdict yet (the citizen has not finished on the phone)."""

    retryable = True
    error = "FACE_NOT_FINISHED"
    message = "人脸核验尚未完成，请在手机上完成后再试"
    http_status = 409


class FaceResultUnknown(GatewayError):
    """WeChat 84001: no such verify_result (the older flow) — the client's input, not an outage."""

    error = "FACE_CHECK_NOT_FOUND"
    message = "未找到该次人脸核验，请重新发起"
    http_status = 404


class FaceResultExpired(GatewayError):
    """WeChat 84002: the verify_result is older than the provider keeps it."""

    error = "FACE_CHECK_EXPIRED"
    message = "人脸核验已超时，请重新发起"
    http_status = 409


__all__ = [
    "BadProviderResponse",
    "ChannelLogin",
    "FaceNotFinished",
    "FaceOutcome",
    "FaceResultExpired",
    "FaceResultUnknown",
    "FaceSession",
    "GatewayError",
    "InvalidCode",
    "ProviderBusy",
    "ProviderError",
    "ProviderNotConfigured",
    "ProviderRateLimited",
    "RiskyUser",
]
