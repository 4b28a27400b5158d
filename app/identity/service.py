"""The identity core's public functions. The citizen API (and later the staff API and other
domains) call these and nothing else in app.identity; results are dataclasses and dicts.

Assurance levels (Guangdong unified login): 2 channel login only; 3 name + resident ID number
matched against the population registry; 4 face verified for that identity. A session carries
its level and the time of its last face check; level-4 actions also require that face check to
be at most STEP_UP_MAX_AGE seconds old (`require_level(..., fresh=True)`).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from app import ratelimit
from app.errors import RateLimited
from app.extensions import db
from app.identity import accounts, audit, errors, face, realname, registry, sms, tokens
from app.identity.models import Resident, utcnow
from app.identity.providers.base import ChannelLogin
from app.identity.tokens import UNCONFIRMED, Acting, Principal, TokenPair

__all__ = [
    "UNCONFIRMED",
    "Acting",
    "Principal",
    "TokenPair",
    "add_resident",
    "authenticate",
    "complete_face",
    "describe_account",
    "end_session",
    "face_login",
    "login_alipay",
    "login_sms",
    "login_wechat",
    "login_wechat_app",
    "logout",
    "refresh",
    "require_level",
    "seed_residents",
    "send_sms_code",
    "start_acting_session",
    "start_face",
    "unlink_channel",
    "verification_history",
    "verified_name_of",
    "verify_realname",
]

LEVEL_CHANNEL = 2
LEVEL_REALNAME = 3
LEVEL_FACE = 4


# ---------------------------------------------------------------- sessions


def authenticate(token: str) -> Principal:
    """The caller behind an access token, or TokenInvalid / TokenExpired / SessionRevoked."""
    return tokens.authenticate(token)


def require_level(principal: Principal, level: int, *, fresh: bool = False) -> None:
    """Refuse with STEP_UP_REQUIRED unless the session reaches `level` (and, with `fresh`, its
    face check is at most STEP_UP_MAX_AGE seconds old)."""
    max_age = current_app.config["STEP_UP_MAX_AGE"]
    detail = {"required_level": level, "current_level": principal.level, "fresh": fresh}
    if principal.level < level:
        message = "请先完成实名认证" if level <= LEVEL_REALNAME else "该操作需要刷脸核验本人身份"
        raise errors.StepUpRequired(message, errors={"auth": detail})
    if fresh:
        face_at = principal.face_at
        if face_at is None or utcnow() - face_at > timedelta(seconds=max_age):
            detail["max_age"] = max_age
            raise errors.StepUpRequired("为保护您的信息安全，请重新刷脸核验本人身份", errors={"auth": detail})


def refresh(refresh_token: str, *, ip: str | None) -> TokenPair:
    """Rotate a refresh token; a token used twice revokes its session (REFRESH_TOKEN_REUSED)."""
    _login_limit(ip)
    return tokens.rotate(refresh_token)


def logout(principal: Principal) -> None:
    """End the caller's session: its access and refresh tokens stop working at once."""
    tokens.revoke_session(principal.session_id, "logout")
    db.session.commit()


# ---------------------------------------------------------------- logins


def _login_limit(ip: str | None) -> None:
    limit, window = current_app.config["LOGIN_LIMIT_PER_IP"]
    ratelimit.hit(f"login:ip:{ip}", limit, window, error="LOGIN_RATE_LIMITED", message="登录过于频繁，请稍后再试")


def _account_login_limit(account_id: int) -> None:
    limit, window = current_app.config.get("LOGIN_LIMIT_PER_ACCOUNT", (30, 60))
    ratelimit.hit(
        f"login:acct:{account_id}", limit, window, error="LOGIN_RATE_LIMITED", message="登录过于频繁，请稍后再试"
    )


def _channel_login(identifiers: list[accounts.Identifier], method: str) -> TokenPair:
    account, _ = accounts.resolve(identifiers)
    account_id = account.id
    try:
        _account_login_limit(account_id)
    except RateLimited:
        db.session.rollback()
        raise
    pair = tokens.start_session(account_id, method=method, level=accounts.session_level(account_id))
    db.session.commit()
    return pair


def _provider_login(ip: str | None, call) -> ChannelLogin:
    _login_limit(ip)
    return call()


def login_wechat(code: str, *, ip: str | None) -> TokenPair:
    """Mini-program silent login: wx.login code → code2session → this person's account."""
    from app.identity.providers.factory import wechat_gateway

    login = _provider_login(ip, lambda: wechat_gateway().code_to_session(code))
    return _channel_login(accounts.identifiers_for_channel(login), "wechat")


def login_wechat_app(code: str, *, ip: str | None) -> TokenPair:
    """Mobile app login with WeChat (Open Platform); the unionid links it to the mini-program."""
    from app.identity.providers.factory import wechat_gateway

    login = _provider_login(ip, lambda: wechat_gateway().app_login(code))
    return _channel_login(accounts.identifiers_for_channel(login), "wechat_app")


def login_alipay(auth_code: str, *, ip: str | None) -> TokenPair:
    """Alipay mini-program login: my.getAuthCode auth_code → alipay.system.oauth.token."""
    from app.identity.providers.factory import alipay_gateway

    login = _provider_login(ip, lambda: alipay_gateway().oauth_token(auth_code))
    return _channel_login(accounts.identifiers_for_channel(login), "alipay")


def send_sms_code(mobile: str, *, ip: str | None) -> dict:
    """Send a login code to a mobile number (limited per phone and per IP)."""
    return sms.send_login_code(mobile, ip=ip)


def login_sms(mobile: str, code: str, *, ip: str | None) -> TokenPair:
    """Mobile app login with a phone number and its SMS code."""
    _login_limit(ip)
    mobile = sms.consume_login_code(mobile, code)
    return _channel_login([accounts.identifier_for_phone(mobile)], "sms")


# ---------------------------------------------------------------- real name and face


def verify_realname(principal: Principal, *, name: str, id_number: str, ip: str | None) -> TokenPair:
    """Level 3: match name and ID number against the registry and bind them to the account."""
    return realname.verify_realname(principal, name=name, id_number=id_number, ip=ip)


def start_face(
    principal: Principal, *, channel: str, name: str | None = None, id_number: str | None = None, ip: str | None
) -> dict:
    """Start a face check at WeChat or Alipay for the account's (or the typed) identity."""
    return face.start(principal, channel=channel, name=name, id_number=id_number, ip=ip)


def complete_face(
    principal: Principal,
    *,
    channel: str,
    provider_ref: str | None = None,
    verify_result: str | None = None,
    name: str | None = None,
    id_number: str | None = None,
    ip: str | None,
) -> TokenPair:
    """Level 4 (step-up): the provider's verdict on a face check this account started."""
    return face.complete(
        principal,
        channel=channel,
        provider_ref=provider_ref,
        verify_result=verify_result,
        name=name,
        id_number=id_number,
        ip=ip,
    )


def face_login(
    principal: Principal,
    *,
    channel: str,
    provider_ref: str | None = None,
    verify_result: str | None = None,
    name: str | None = None,
    id_number: str | None = None,
    ip: str | None,
) -> TokenPair:
    """Log in by face: a passed check on an identity logs its account in at level 4 — on a new
    channel or device too, linking the caller's channel identity to that account."""
    return face.complete(
        principal,
        channel=channel,
        provider_ref=provider_ref,
        verify_result=verify_result,
        name=name,
        id_number=id_number,
        ip=ip,
        login=True,
    )


# ---------------------------------------------------------------- the account


def describe_account(principal: Principal) -> dict:
    """GET /me: masked identity, the session's level and face time, linked channels."""
    out = accounts.describe(principal.account_id)
    out.update(level=principal.level, auth_time=principal.auth_time, face_at=principal.face_at)
    return out


def verification_history(principal: Principal, *, page: int, page_size: int) -> dict:
    return audit.history(principal.account_id, page=page, page_size=page_size)


def unlink_channel(principal: Principal, channel: str) -> None:
    accounts.unlink_channel(principal.account_id, channel)


# ---------------------------------------------------------------- population registry


def add_resident(*, name: str, id_number: str) -> Resident:
    """Add a person to the population registry (commits)."""
    resident = registry.add_resident(name=name, id_number=id_number)
    db.session.commit()
    return resident


def seed_residents(path=None) -> tuple[int, int]:
    """Load the demo residents (idempotent). Returns (added, already present)."""
    return registry.seed_residents(path or registry.SEED_FILE)


# ---------------------------------------------------------------- for other cores


def id_hash_of(account_id: int) -> str | None:
    """The keyed hash of the account's verified ID number (the registry's id_hash), if any.
    Other cores key their records (credit, licences, case applicants) by it."""
    from app.identity.models import VerifiedIdentity

    return db.session.scalar(sa.select(VerifiedIdentity.id_hash).where(VerifiedIdentity.account_id == account_id))


def registry_entry_of(account_id: int):
    """The population-registry entry (Resident) of the account's verified identity, if any — in
    one statement; the entry is then in the session, so `db.session.get(Resident, id)` (as
    licences.issue does) costs no further round trip."""
    from app.identity.models import Resident, VerifiedIdentity

    return db.session.scalar(
        sa.select(Resident)
        .join(VerifiedIdentity, VerifiedIdentity.resident_id == Resident.id)
        .where(VerifiedIdentity.account_id == account_id)
    )


def birth_date_of(account_id: int) -> date | None:
    """The birth date encoded in the account's verified ID number (never the number itself)."""
    from stdnum.cn import ric

    from app import crypto
    from app.identity.models import VerifiedIdentity

    enc = db.session.scalar(sa.select(VerifiedIdentity.id_enc).where(VerifiedIdentity.account_id == account_id))
    if enc is None:
        return None
    return ric.get_birth_date(crypto.decrypt(enc, context=registry.ID_CONTEXT))


def payer_id_of(account_id: int, channel: str, app_id: str) -> str | None:
    """For payments/: who pays at a channel — the account's WeChat openid under the paying
    mini-program's appid, or its Alipay open_id under the app_id (else its 2088 user_id)."""
    from app.identity.models import (
        KIND_ALIPAY_OPEN_ID,
        KIND_ALIPAY_USER_ID,
        KIND_WECHAT_OPENID,
        ChannelIdentity,
    )

    wanted = {
        "wechat": [(KIND_WECHAT_OPENID, app_id)],
        "alipay": [(KIND_ALIPAY_OPEN_ID, app_id), (KIND_ALIPAY_USER_ID, "")],
    }.get(channel, [])
    for kind, namespace in wanted:
        subject = db.session.scalar(
            sa.select(ChannelIdentity.subject).where(
                ChannelIdentity.account_id == account_id,
                ChannelIdentity.kind == kind,
                ChannelIdentity.namespace == namespace,
            )
        )
        if subject:
            return subject
    return None


def notification_contacts(account_id: int, *, wechat_appid: str = "", alipay_app_id: str = "") -> dict:
    """For notifications/: where the account can be reached. `account_id` is the account now
    holding the identities (an account merged into another is followed); `wechat_openid` is the
    mini-program openid under `wechat_appid`; `alipay_user_id` the 2088… id, else `alipay_open_id`
    under `alipay_app_id`; `has_phone` whether a phone is on file (the number itself only through
    `notification_phone`). Values are None when the channel is not linked."""
    from app.identity.models import (
        KIND_ALIPAY_OPEN_ID,
        KIND_ALIPAY_USER_ID,
        KIND_PHONE,
        KIND_WECHAT_OPENID,
        Account,
        AccountStatus,
        ChannelIdentity,
    )

    account = db.session.get(Account, account_id)
    for _ in range(5):  # merged chains are short; the bound guards against a cycle
        if account is None or account.status != AccountStatus.MERGED or account.merged_into_id is None:
            break
        account = db.session.get(Account, account.merged_into_id)
    if account is None:
        return {
            "account_id": account_id,
            "wechat_openid": None,
            "alipay_user_id": None,
            "alipay_open_id": None,
            "has_phone": False,
        }
    rows = db.session.execute(
        sa.select(ChannelIdentity.kind, ChannelIdentity.namespace, ChannelIdentity.subject, ChannelIdentity.channel)
        .where(ChannelIdentity.account_id == account.id)
        .order_by(ChannelIdentity.id)
    ).all()

    def first(kind: str, namespace: str | None = None, channel: str | None = None) -> str | None:
        for row in rows:
            if row.kind == kind and (namespace is None or row.namespace == namespace):
                if channel is None or row.channel == channel:
                    return row.subject
        return None

    return {
        "account_id": account.id,
        "wechat_openid": first(KIND_WECHAT_OPENID, wechat_appid, "wechat") if wechat_appid else None,
        "alipay_user_id": first(KIND_ALIPAY_USER_ID),
        "alipay_open_id": first(KIND_ALIPAY_OPEN_ID, alipay_app_id) if alipay_app_id else None,
        "has_phone": first(KIND_PHONE) is not None,
    }


def notification_phone(account_id: int) -> str | None:
    """For notifications/ (SMS): the account's phone number in clear, or None. Never log it."""
    from app import crypto
    from app.identity.models import KIND_PHONE, ChannelIdentity

    enc = db.session.scalar(
        sa.select(ChannelIdentity.phone_enc)
        .where(ChannelIdentity.account_id == account_id, ChannelIdentity.kind == KIND_PHONE)
        .order_by(ChannelIdentity.id)
        .limit(1)
    )
    return crypto.decrypt(enc, context=registry.PHONE_CONTEXT) if enc else None


# ---------------------------------------------------------------- acting sessions (app.enterprises)


def start_acting_session(principal: Principal, *, enterprise_id: int, grant_id: int | None) -> TokenPair:
    """A token pair for a child session of the caller's personal session, acting for
    `enterprise_id` (as its legal representative when `grant_id` is None, else as the agent of
    that grant). app.enterprises decides whether the person may; flushed, the caller commits."""
    return tokens.start_child_session(principal.session_id, enterprise_id=enterprise_id, grant_id=grant_id)


def end_session(session_id: str, reason: str) -> None:
    """Revoke one session (and its children); flushed, the caller commits."""
    tokens.revoke_session(session_id, reason)


def verified_name_of(account_id: int) -> str | None:
    """The account's verified name (for the enterprise core's audit and grant views, masked there)."""
    from app import crypto
    from app.identity.models import VerifiedIdentity

    enc = db.session.scalar(sa.select(VerifiedIdentity.name_enc).where(VerifiedIdentity.account_id == account_id))
    return crypto.decrypt(enc, context=registry.NAME_CONTEXT) if enc else None
