"""SMS one-time login codes and the providers that deliver them.

Codes are 6 random digits, stored only as a keyed HMAC, valid SMS_CODE_TTL seconds, good for
one successful use and SMS_CODE_MAX_ATTEMPTS tries; only the newest code of a phone counts.
Sending is limited per phone (SMS_SEND_LIMIT_PER_PHONE, one per SMS_SEND_INTERVAL) and per
client IP (SMS_SEND_LIMIT_PER_IP).

Providers (SMS_PROVIDER):
* `sandbox` — development and testing only: the in-process fake of sandbox/sms.py, loaded by
  app.devfakes (it keeps the last code per phone for `flask residents sms-code MOBILE`);
  production refuses it at start-up.
* `aliyun` — Aliyun SMS (dysmsapi 2017-05-25 SendSms) through the shared client of
  app.clients.sms (request signing and error classification there). Settings:
  SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_SIGN_NAME,
  SMS_ALIYUN_TEMPLATE_CODE (a template with a ${code} variable), SMS_ALIYUN_ENDPOINT.
"""

from __future__ import annotations

import logging
import secrets
from abc import ABC, abstractmethod
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app import crypto, devfakes, ratelimit
from app.clients.errors import ProviderError
from app.clients.sms.aliyun import DEFAULT_ENDPOINT, AliyunSmsClient, AliyunSmsError
from app.extensions import db
from app.identity import errors, registry
from app.identity.models import SmsCode, utcnow

log = logging.getLogger(__name__)

CODE_PURPOSE = "sms_code"


class SmsError(ProviderError):
    """Delivery failed. `throttled`: the provider refuses this phone for now; `bad_number`: the
    provider rejects the number; `retryable`: trying again later may work."""

    def __init__(
        self,
        detail: str,
        *,
        provider_code: str | None = None,
        retryable: bool = False,
        throttled: bool = False,
        bad_number: bool = False,
    ):
        super().__init__(detail, provider_code=provider_code)
        self.retryable = retryable
        self.throttled = throttled
        self.bad_number = bad_number


class SmsProvider(ABC):
    name = "abstract"

    @abstractmethod
    def send_code(self, mobile: str, code: str, *, ttl_seconds: int) -> str:
        """Deliver `code` to `mobile`; return the provider's message id or raise SmsError."""


class AliyunSmsProvider(AliyunSmsClient, SmsProvider):
    """Login codes through the shared Aliyun SMS client (app.clients.sms), template
    SMS_ALIYUN_TEMPLATE_CODE with a ${code} variable."""

    name = "aliyun"
    # Aliyun error codes that say "not now for this phone" and "not a valid number".
    THROTTLED = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL"}
    BAD_NUMBER = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT"}

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        endpoint: str = DEFAULT_ENDPOINT,
        region_id: str = "cn-hangzhou",
        timeout: float = 5.0,
    ):
        if not (access_key_id and access_key_secret and sign_name and template_code):
            raise SmsError("Aliyun SMS is not configured (SMS_ALIYUN_* settings)")
        super().__init__(
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            sign_name=sign_name,
            endpoint=endpoint,
            region_id=region_id,
            timeout=timeout,
        )
        self.template_code = template_code

    def send_code(self, mobile: str, code: str, *, ttl_seconds: int) -> str:
        try:
            return self.send(mobile, self.template_code, {"code": code})
        except AliyunSmsError as exc:
            raise SmsError(
                f"Aliyun SMS {exc.detail}",
                provider_code=exc.provider_code,
                throttled=exc.provider_code in self.THROTTLED,
                bad_number=exc.provider_code in self.BAD_NUMBER,
                retryable=exc.retryable,
            ) from None


def get_provider() -> SmsProvider:
    config = current_app.config
    name = config.get("SMS_PROVIDER", "")
    if name == "sandbox":
        return devfakes.load("sms")()
    if name == "aliyun":
        return AliyunSmsProvider(
            access_key_id=config.get("SMS_ALIYUN_ACCESS_KEY_ID", ""),
            access_key_secret=config.get("SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
            sign_name=config.get("SMS_ALIYUN_SIGN_NAME", ""),
            template_code=config.get("SMS_ALIYUN_TEMPLATE_CODE", ""),
            endpoint=config.get("SMS_ALIYUN_ENDPOINT") or "https://dysmsapi.aliyuncs.com/",
        )
    raise SmsError(f"unknown SMS_PROVIDER {name!r}")


def sandbox_last_code(mobile: str) -> str | None:
    """Development and testing: the code the sandbox fake last "sent" to `mobile`, else None."""
    return devfakes.load("sms").last_code(mobile)


# ---------------------------------------------------------------- codes


def _code_hash(phone_digest: str, code: str) -> str:
    return crypto.lookup_hash(f"{phone_digest}:{code}", purpose=CODE_PURPOSE)


def send_login_code(mobile: str, *, ip: str | None) -> dict:
    """Issue a new login code for `mobile` and send it. Returns {expires_in, resend_after}."""
    config = current_app.config
    mobile = registry.normalise_mobile(mobile)
    digest = registry.phone_hash(mobile)
    limit, window = config["SMS_SEND_LIMIT_PER_IP"]
    ratelimit.hit(
        f"sms-send:ip:{ip}", limit, window, error="SMS_SEND_LIMITED", message="发送验证码过于频繁，请稍后再试"
    )
    interval = config["SMS_SEND_INTERVAL"]
    ratelimit.hit(
        f"sms-send:gap:{digest}", 1, interval, error="SMS_RESEND_TOO_SOON", message="验证码已发送，请稍后再重新获取"
    )
    limit, window = config["SMS_SEND_LIMIT_PER_PHONE"]
    ratelimit.hit(
        f"sms-send:phone:{digest}",
        limit,
        window,
        error="SMS_SEND_LIMITED",
        message="该号码获取验证码次数过多，请稍后再试",
    )
    provider = get_provider()
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = utcnow()
    ttl = config["SMS_CODE_TTL"]
    row = SmsCode(
        phone_hash=digest, code_hash=_code_hash(digest, code), created_at=now, expires_at=now + timedelta(seconds=ttl)
    )
    db.session.add(row)
    # Committed before sending: a code that reached the phone must exist here.
    db.session.commit()
    try:
        provider.send_code(mobile, code, ttl_seconds=ttl)
    except SmsError as exc:
        row.used_at = utcnow()
        db.session.commit()
        log.warning(
            "SMS delivery failed",
            extra={"provider": provider.name, "provider_code": exc.provider_code, "retryable": exc.retryable},
        )
        if exc.bad_number:
            raise errors.InvalidMobile(errors=errors.field_errors("mobile", "该号码无法接收短信")) from None
        if exc.throttled:
            raise ratelimit.limited(
                3600, error="SMS_SEND_LIMITED", message="该号码获取验证码次数过多，请稍后再试"
            ) from None
        raise errors.SmsSendFailed() from None
    return {"expires_in": ttl, "resend_after": interval}


def consume_login_code(mobile: str, code: str) -> str:
    """Check and consume the newest code of `mobile` (commits). Returns the normalised mobile.

    The attempt is counted before the comparison by a conditional update, so parallel guesses
    cannot exceed SMS_CODE_MAX_ATTEMPTS; the successful use is also a conditional update, so a
    code logs in once.
    """
    max_attempts = current_app.config["SMS_CODE_MAX_ATTEMPTS"]
    mobile = registry.normalise_mobile(mobile)
    digest = registry.phone_hash(mobile)
    now = utcnow()
    row = db.session.scalar(
        sa.select(SmsCode)
        .where(SmsCode.phone_hash == digest)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc())
        .limit(1)
    )
    if row is None or row.used_at is not None:
        db.session.rollback()
        raise errors.SmsCodeInvalid()
    if row.expires_at <= now:
        db.session.rollback()
        raise errors.SmsCodeExpired()
    row_id, stored_hash = row.id, row.code_hash
    counted = db.session.execute(
        sa.update(SmsCode)
        .where(SmsCode.id == row_id, SmsCode.used_at.is_(None), SmsCode.attempts < max_attempts)
        .values(attempts=SmsCode.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if counted != 1:
        raise errors.SmsCodeLocked()
    if not crypto.constant_time_equal(stored_hash, _code_hash(digest, code)):
        attempts = db.session.scalar(sa.select(SmsCode.attempts).where(SmsCode.id == row_id))
        db.session.rollback()
        left = max(0, max_attempts - attempts)
        if left == 0:
            raise errors.SmsCodeLocked()
        raise errors.SmsCodeInvalid(errors={"remaining_attempts": left})
    used = db.session.execute(
        sa.update(SmsCode)
        .where(SmsCode.id == row_id, SmsCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if used != 1:
        raise errors.SmsCodeInvalid()
    return mobile
