"""Identity domain errors: stable English codes, Chinese messages for the citizen."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound, RateLimited, ServiceUnavailable, Unauthenticated, ValidationFailed

# ---------------------------------------------------------------- input


def field_errors(field: str, message: str) -> dict:
    """Field errors in the same shape webargs uses, so clients handle both alike."""
    return {"json": {field: [message]}}


class InvalidIdNumber(ValidationFailed):
    error = "INVALID_ID_NUMBER"
    message = "身份证号码有误，请检查后重新输入"


class InvalidName(ValidationFailed):
    error = "INVALID_NAME"
    message = "姓名格式有误，请填写身份证上的姓名"


class InvalidMobile(ValidationFailed):
    error = "INVALID_MOBILE"
    message = "手机号码格式有误"


# ---------------------------------------------------------------- tokens and sessions


class TokenMissing(Unauthenticated):
    error = "TOKEN_MISSING"
    message = "请先登录"


class TokenInvalid(Unauthenticated):
    error = "TOKEN_INVALID"
    message = "登录状态无效，请重新登录"


class TokenExpired(Unauthenticated):
    error = "TOKEN_EXPIRED"
    message = "登录已过期，请重新登录"


class SessionRevoked(Unauthenticated):
    error = "SESSION_REVOKED"
    message = "登录已失效，请重新登录"


class RefreshTokenInvalid(Unauthenticated):
    error = "REFRESH_TOKEN_INVALID"
    message = "登录凭证无效，请重新登录"


class RefreshTokenExpired(Unauthenticated):
    error = "REFRESH_TOKEN_EXPIRED"
    message = "登录已过期，请重新登录"


class RefreshTokenReused(Unauthenticated):
    error = "REFRESH_TOKEN_REUSED"
    message = "登录凭证已被使用过，为保护账号安全已退出登录，请重新登录"


class StepUpRequired(Forbidden):
    error = "STEP_UP_REQUIRED"
    message = "该操作需要更高的身份认证等级"


class AccountDisabled(Forbidden):
    error = "ACCOUNT_DISABLED"
    message = "账号已停用，请联系客服"


# ---------------------------------------------------------------- real name and face


class RealnameMismatch(ValidationFailed):
    # Also the answer for an identity bound to another account (no oracle of who uses the
    # service), so the message points the owner at face login.
    error = "REALNAME_MISMATCH"
    message = "姓名与身份证号码未通过核验，请核对后重试；如已在其他账号完成实名认证，请使用刷脸登录"


class RealnameLocked(RateLimited):
    error = "REALNAME_LOCKED"
    message = "实名认证失败次数过多，请稍后再试"


class AlreadyVerified(Conflict):
    error = "ALREADY_VERIFIED"
    message = "您已完成实名认证"


class IdentityMismatch(Forbidden):
    error = "IDENTITY_MISMATCH"
    message = "填写的身份与本账号已认证的身份不一致"


class ChannelNotLinked(Conflict):
    error = "CHANNEL_NOT_LINKED"
    message = "当前账号未关联该渠道，请在对应的小程序中操作"


class FaceCheckNotFound(NotFound):
    error = "FACE_CHECK_NOT_FOUND"
    message = "未找到该次人脸核验，请重新发起"


class FaceCheckUsed(Conflict):
    error = "FACE_CHECK_USED"
    message = "该次人脸核验已完成，请重新发起"


class FaceCheckExpired(Conflict):
    error = "FACE_CHECK_EXPIRED"
    message = "人脸核验已超时，请重新发起"


class FaceVerifyFailed(Forbidden):
    error = "FACE_VERIFY_FAILED"
    message = "人脸核验未通过，请重新发起"


# ---------------------------------------------------------------- SMS


class SmsCodeInvalid(ValidationFailed):
    error = "SMS_CODE_INVALID"
    message = "验证码错误，请重新输入"


class SmsCodeExpired(ValidationFailed):
    error = "SMS_CODE_EXPIRED"
    message = "验证码已过期，请重新获取"


class SmsCodeLocked(ValidationFailed):
    error = "SMS_CODE_LOCKED"
    message = "验证码错误次数过多，请重新获取"


class SmsSendFailed(ServiceUnavailable):
    error = "SMS_SEND_FAILED"
    message = "短信发送失败，请稍后再试"


# ---------------------------------------------------------------- linked channels


class ChannelNotFound(NotFound):
    error = "CHANNEL_NOT_FOUND"
    message = "未找到该登录方式"


class LastChannel(Conflict):
    error = "LAST_CHANNEL"
    message = "这是账号唯一的登录方式，不能解除"


class ResidentExists(Conflict):
    error = "RESIDENT_EXISTS"
    message = "人口库中已有该身份证号码"
