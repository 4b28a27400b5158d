"""Citizen login: WeChat and Alipay mini-programs, the mobile app (SMS code, WeChat app login),
face login, token refresh and logout."""

from __future__ import annotations

from flask.views import MethodView

from app.errors import Conflict
from app.identity import errors as id_errors
from app.identity import service as identity
from app.identity.providers.base import FaceNotFinished
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from miniprogram_api.identity_schemas import (
    AlipayLoginSchema,
    FaceCompleteSchema,
    RefreshSchema,
    SmsLoginSchema,
    SmsSendSchema,
    SmsSentSchema,
    TokenSchema,
    WechatLoginSchema,
)
from miniprogram_api.security import PROVIDER_ERRORS, client_ip, current_principal, require_level

LOGIN_ERRORS = (id_errors.AccountDisabled, Conflict, (429, "LOGIN_RATE_LIMITED", "登录过于频繁，请稍后再试"))
FACE_COMPLETE_ERRORS = (
    id_errors.FaceCheckNotFound,
    id_errors.FaceCheckUsed,
    id_errors.FaceCheckExpired,
    FaceNotFinished,
    id_errors.FaceVerifyFailed,
    id_errors.IdentityMismatch,
    id_errors.AlreadyVerified,
    id_errors.RealnameMismatch,
    id_errors.AccountDisabled,
    (429, "FACE_RATE_LIMITED", "人脸核验过于频繁，请稍后再试"),
)

blp = Blueprint("auth", __name__, description="Login and sessions (登录)")


@blp.route("/wechat")
class WechatLogin(MethodView):
    @blp.arguments(WechatLoginSchema)
    @blp.response(200, TokenSchema)
    @declares(*LOGIN_ERRORS, *PROVIDER_ERRORS)
    def post(self, body):
        """WeChat mini-program login with a wx.login code"""
        return identity.login_wechat(body["code"], ip=client_ip())


@blp.route("/wechat-app")
class WechatAppLogin(MethodView):
    @blp.arguments(WechatLoginSchema)
    @blp.response(200, TokenSchema)
    @declares(*LOGIN_ERRORS, *PROVIDER_ERRORS)
    def post(self, body):
        """Mobile app login with WeChat (Open Platform code)"""
        return identity.login_wechat_app(body["code"], ip=client_ip())


@blp.route("/alipay")
class AlipayLogin(MethodView):
    @blp.arguments(AlipayLoginSchema)
    @blp.response(200, TokenSchema)
    @declares(*LOGIN_ERRORS, *PROVIDER_ERRORS)
    def post(self, body):
        """Alipay mini-program login with a my.getAuthCode auth code"""
        return identity.login_alipay(body["auth_code"], ip=client_ip())


@blp.route("/sms/send")
class SmsSend(MethodView):
    @blp.arguments(SmsSendSchema)
    @blp.response(200, SmsSentSchema)
    @declares(
        id_errors.InvalidMobile,
        (429, "SMS_SEND_LIMITED", "发送验证码过于频繁，请稍后再试"),
        (429, "SMS_RESEND_TOO_SOON", "验证码已发送，请稍后再重新获取"),
        id_errors.SmsSendFailed,
    )
    def post(self, body):
        """Send a login code by SMS"""
        return identity.send_sms_code(body["mobile"], ip=client_ip())


@blp.route("/sms")
class SmsLogin(MethodView):
    @blp.arguments(SmsLoginSchema)
    @blp.response(200, TokenSchema)
    @declares(
        *LOGIN_ERRORS,
        id_errors.InvalidMobile,
        id_errors.SmsCodeInvalid,
        id_errors.SmsCodeExpired,
        id_errors.SmsCodeLocked,
    )
    def post(self, body):
        """Mobile app login with a phone number and its SMS code"""
        return identity.login_sms(body["mobile"], body["code"], ip=client_ip())


@blp.route("/face")
class FaceLogin(MethodView):
    @require_level(2)
    @blp.arguments(FaceCompleteSchema)
    @blp.response(200, TokenSchema)
    @declares(
        *FACE_COMPLETE_ERRORS,
        *PROVIDER_ERRORS,
    )
    def post(self, body):
        """Log in by face: a passed face check logs its identity's account in at level 4

        Start the check with POST /identity/face/start (typing name and ID number when this
        account has no real name yet). On a new channel or device this links the channel to the
        account that holds the identity.
        """
        return identity.face_login(current_principal(), **body, ip=client_ip())


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenSchema)
    @declares(
        id_errors.RefreshTokenInvalid,
        id_errors.RefreshTokenExpired,
        id_errors.RefreshTokenReused,
        id_errors.SessionRevoked,
        id_errors.AccountDisabled,
        (429, "LOGIN_RATE_LIMITED", "登录过于频繁，请稍后再试"),
    )
    def post(self, body):
        """Exchange a refresh token for a new token pair (the old refresh token is used up)"""
        return identity.refresh(body["refresh_token"], ip=client_ip())


@blp.route("/logout")
class Logout(MethodView):
    @require_level(2)
    @blp.response(204)
    def post(self):
        """End this session (its refresh token stops working too)"""
        identity.logout(current_principal())
