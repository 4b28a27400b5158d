"""Face verification (level 4) through the channel's own face service, and face login.

Start: the identity is the account's bound one, or — for an account without a real name yet,
e.g. a fresh account on a new channel or device — a typed name and ID number that must match
the registry. WeChat: getverifyid → verify_id for wx.requestFacialVerify; Alipay: certify
initialize → certify_id and the certify page URL.

Complete: the provider's verdict (WeChat queryverifyinfo, or the older getinfo flow with a
verify_result; Alipay certify query) decides. A pass
* on the account's own identity: steps the session up to level 4;
* on an identity nobody holds yet: binds it to the account (real name and face at once);
* on an identity bound to another account: this is that person on another channel or device,
  so the caller's (unverified) account is folded into that account and logged in there.
Each check completes once; completing another account's check is refused as not found.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import crypto, ratelimit
from app.errors import ValidationFailed
from app.extensions import db
from app.identity import accounts, audit, errors, realname, registry, tokens
from app.identity.models import FaceCheck, FaceCheckStatus, Resident, VerifiedIdentity, utcnow
from app.identity.providers.base import BadProviderResponse, FaceNotFinished, FaceOutcome, GatewayError
from app.identity.tokens import Principal, TokenPair

log = logging.getLogger(__name__)

CHANNELS = ("wechat", "alipay")
# The older WeChat flow gives no expiry; its verify_result is checked at once.
LEGACY_TTL = 600


def _wechat():
    from app.identity.providers.factory import wechat_gateway

    return wechat_gateway()


def _alipay():
    from app.identity.providers.factory import alipay_gateway

    return alipay_gateway()


def _limit(key: str, setting: str, default: tuple[int, int]) -> None:
    limit, window = current_app.config.get(setting, default)
    ratelimit.hit(key, limit, window, error="FACE_RATE_LIMITED", message="人脸核验过于频繁，请稍后再试")


def _identity_for(principal: Principal, *, name: str | None, id_number: str | None, ip: str | None, kind: str):
    """(name, id_number) to verify: the bound identity, or typed ones matching the registry."""
    bound = db.session.scalar(sa.select(VerifiedIdentity).where(VerifiedIdentity.account_id == principal.account_id))
    if bound is not None:
        bound_name = crypto.decrypt(bound.name_enc, context=registry.NAME_CONTEXT)
        bound_number = crypto.decrypt(bound.id_enc, context=registry.ID_CONTEXT)
        if (id_number and registry.normalise_id_number(id_number) != bound_number) or (
            name and registry.normalise_name(name) != bound_name
        ):
            raise errors.IdentityMismatch()
        return bound_name, bound_number
    if not name or not id_number:
        missing = {
            f: ["请填写身份证上的姓名和身份证号码"] for f, v in (("name", name), ("id_number", id_number)) if not v
        }
        raise ValidationFailed("请先填写姓名和身份证号码", errors={"json": missing})
    name = registry.normalise_name(name)
    id_number = registry.normalise_id_number(id_number)
    realname.match_or_count(account_id=principal.account_id, name=name, id_number=id_number, ip=ip, kind=kind)
    return name, id_number


def _new_out_seq_no() -> str:
    return "zsbf" + secrets.token_hex(12)  # 28 of [0-9a-z]: within WeChat's 5-32 [0-9A-Za-z_-]


def start(
    principal: Principal, *, channel: str, name: str | None = None, id_number: str | None = None, ip: str | None
) -> dict:
    """Start a face check at `channel` (commits). Returns what the mini-program needs."""
    if channel not in CHANNELS:
        raise ValidationFailed(errors={"json": {"channel": ["只支持 wechat 或 alipay"]}})
    account_id = principal.account_id
    _limit(f"face:acct:{account_id}", "FACE_LIMIT_PER_ACCOUNT", (10, 3600))
    _limit(f"face:ip:{ip}", "FACE_LIMIT_PER_IP", (30, 3600))
    name, id_number = _identity_for(principal, name=name, id_number=id_number, ip=ip, kind="face_start")
    config = current_app.config
    openid = None
    if channel == "wechat":
        openid = accounts.wechat_openid(account_id, config["WECHAT_APPID"])
        if openid is None:
            raise errors.ChannelNotLinked()
    out_seq_no = _new_out_seq_no()
    db.session.rollback()  # hold no transaction open across the provider call
    try:
        if channel == "wechat":
            session = _wechat().face_start(out_seq_no=out_seq_no, name=name, id_number=id_number, openid=openid)
        else:
            session = _alipay().certify_start(
                outer_order_no=out_seq_no,
                name=name,
                id_number=id_number,
                return_url=config.get("ALIPAY_CERTIFY_RETURN_URL") or None,
            )
    except GatewayError as exc:
        audit.record_failure(
            kind="face_start", outcome="error", account_id=account_id, channel=channel, code=exc.error, ip=ip
        )
        raise
    now = utcnow()
    db.session.add(
        FaceCheck(
            account_id=account_id,
            channel=channel,
            out_seq_no=out_seq_no,
            provider_ref=session.provider_ref,
            openid=openid,
            id_hash=registry.id_hash(id_number),
            id_enc=crypto.encrypt(id_number, context=registry.ID_CONTEXT),
            name_enc=crypto.encrypt(name, context=registry.NAME_CONTEXT),
            created_at=now,
            expires_at=now + timedelta(seconds=session.expires_in),
        )
    )
    audit.record(
        kind="face_start",
        outcome="started",
        account_id=account_id,
        channel=channel,
        provider_ref=session.provider_ref,
        ip=ip,
    )
    db.session.commit()
    return {
        "channel": channel,
        "out_seq_no": out_seq_no,
        "verify_id": session.provider_ref if channel == "wechat" else None,
        "certify_id": session.provider_ref if channel == "alipay" else None,
        "certify_url": session.certify_url,
        "expires_in": session.expires_in,
    }


def complete(
    principal: Principal,
    *,
    channel: str,
    provider_ref: str | None = None,
    verify_result: str | None = None,
    name: str | None = None,
    id_number: str | None = None,
    ip: str | None,
    login: bool = False,
) -> TokenPair:
    """Take the provider's verdict on a face check (commits) and, on a pass, return a level-4
    session — for the caller's account, or for the account that holds the verified identity."""
    kind = "face_login" if login else "face_verify"
    account_id = principal.account_id
    _limit(f"face-complete:acct:{account_id}", "FACE_COMPLETE_LIMIT_PER_ACCOUNT", (60, 3600))
    _limit(f"face-complete:ip:{ip}", "FACE_COMPLETE_LIMIT_PER_IP", (120, 3600))
    if verify_result is not None:
        check, outcome = _legacy(
            principal, verify_result=verify_result, name=name, id_number=id_number, ip=ip, kind=kind
        )
    else:
        check, outcome = _query(principal, channel=channel, provider_ref=provider_ref, ip=ip, kind=kind)
    return _finish(principal, check, outcome, ip=ip, kind=kind)


def _query(principal: Principal, *, channel: str, provider_ref: str | None, ip: str | None, kind: str):
    check = db.session.scalar(
        sa.select(FaceCheck).where(FaceCheck.channel == channel, FaceCheck.provider_ref == (provider_ref or ""))
    )
    if check is None or check.account_id != principal.account_id:
        raise errors.FaceCheckNotFound()
    if check.status != FaceCheckStatus.STARTED:
        raise errors.FaceCheckUsed()
    if check.expires_at <= utcnow():
        _set_status(check.id, FaceCheckStatus.EXPIRED, None)
        audit.record(
            kind=kind,
            outcome="expired",
            account_id=check.account_id,
            channel=channel,
            provider_ref=check.provider_ref,
            ip=ip,
        )
        db.session.commit()
        raise errors.FaceCheckExpired()
    name = crypto.decrypt(check.name_enc, context=registry.NAME_CONTEXT)
    number = crypto.decrypt(check.id_enc, context=registry.ID_CONTEXT)
    check_id, out_seq_no, openid, ref = check.id, check.out_seq_no, check.openid, check.provider_ref
    db.session.rollback()
    try:
        if channel == "wechat":
            outcome = _wechat().face_query(
                verify_id=ref, out_seq_no=out_seq_no, name=name, id_number=number, openid=openid
            )
        else:
            outcome = _alipay().certify_query(certify_id=ref)
    except FaceNotFinished:
        raise
    except GatewayError as exc:
        audit.record_failure(
            kind=kind,
            outcome="error",
            account_id=principal.account_id,
            channel=channel,
            provider_ref=ref,
            code=exc.error,
            ip=ip,
        )
        raise
    if outcome.provider_ref != ref:
        audit.record_failure(
            kind=kind,
            outcome="error",
            account_id=principal.account_id,
            channel=channel,
            provider_ref=ref,
            code="REF_MISMATCH",
            ip=ip,
        )
        raise BadProviderResponse("the verdict names another verification")
    return db.session.get(FaceCheck, check_id), outcome


def _legacy(principal: Principal, *, verify_result: str, name, id_number, ip: str | None, kind: str):
    """The older WeChat flow: the phone ran wx.startFacialRecognitionVerify itself and hands us
    its verify_result. We reserve the verify_result first (unique), so it is used once."""
    name, id_number = _identity_for(principal, name=name, id_number=id_number, ip=ip, kind=kind)
    now = utcnow()
    check = FaceCheck(
        account_id=principal.account_id,
        channel="wechat",
        out_seq_no=_new_out_seq_no(),
        provider_ref=verify_result,
        id_hash=registry.id_hash(id_number),
        id_enc=crypto.encrypt(id_number, context=registry.ID_CONTEXT),
        name_enc=crypto.encrypt(name, context=registry.NAME_CONTEXT),
        created_at=now,
        expires_at=now + timedelta(seconds=LEGACY_TTL),
    )
    db.session.add(check)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise errors.FaceCheckUsed() from None
    check_id = check.id
    # When the account has a mini-program openid, the verdict must be for that WeChat user too.
    openid = accounts.wechat_openid(principal.account_id, current_app.config["WECHAT_APPID"])
    db.session.rollback()
    try:
        outcome = _wechat().face_legacy(verify_result=verify_result, name=name, id_number=id_number, openid=openid)
    except GatewayError as exc:
        # Release the reservation: the same verify_result may be tried again after a provider error.
        db.session.rollback()
        db.session.execute(sa.delete(FaceCheck).where(FaceCheck.id == check_id))
        audit.record(
            kind=kind,
            outcome="error",
            account_id=principal.account_id,
            channel="wechat",
            provider_ref=verify_result,
            code=exc.error,
            ip=ip,
        )
        db.session.commit()
        raise
    return db.session.get(FaceCheck, check_id), outcome


def _set_status(check_id: int, status: str, code: str | None) -> bool:
    return (
        db.session.execute(
            sa.update(FaceCheck)
            .where(FaceCheck.id == check_id, FaceCheck.status == FaceCheckStatus.STARTED)
            .values(status=status, result_code=code, completed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _finish(principal: Principal, check: FaceCheck, outcome: FaceOutcome, *, ip: str | None, kind: str) -> TokenPair:
    channel, ref = check.channel, check.provider_ref
    passed = bool(outcome.passed)
    if not _set_status(check.id, FaceCheckStatus.PASSED if passed else FaceCheckStatus.FAILED, outcome.code):
        db.session.rollback()
        raise errors.FaceCheckUsed()  # a concurrent completion got there first
    if not passed:
        audit.record(
            kind=kind,
            outcome="failed",
            account_id=principal.account_id,
            channel=channel,
            provider_ref=ref,
            code=outcome.code,
            ip=ip,
        )
        db.session.commit()
        raise errors.FaceVerifyFailed(errors={"provider_code": outcome.code})
    account_id = principal.account_id
    own = db.session.scalar(sa.select(VerifiedIdentity).where(VerifiedIdentity.account_id == account_id))
    outcome_label = "passed"
    if own is not None:
        if own.id_hash != check.id_hash:
            db.session.rollback()
            raise errors.IdentityMismatch()
        identity, target = own, account_id
    else:
        identity = db.session.scalar(sa.select(VerifiedIdentity).where(VerifiedIdentity.id_hash == check.id_hash))
        if identity is not None:
            target = identity.account_id
            accounts.merge_into(account_id, target)
            identity = db.session.scalar(sa.select(VerifiedIdentity).where(VerifiedIdentity.account_id == target))
            outcome_label = "passed_linked"
        else:
            resident = db.session.scalar(
                sa.select(Resident).where(Resident.id_hash == check.id_hash, Resident.active.is_(True))
            )
            if resident is None:  # removed from the registry since the check started
                db.session.rollback()
                raise errors.RealnameMismatch()
            try:
                identity = realname.bind(
                    account_id,
                    resident,
                    id_number=crypto.decrypt(check.id_enc, context=registry.ID_CONTEXT),
                    name=crypto.decrypt(check.name_enc, context=registry.NAME_CONTEXT),
                )
            except IntegrityError:
                db.session.rollback()
                raise errors.AlreadyVerified() from None
            target = account_id
    now = utcnow()
    identity.face_verified_at = now
    identity.face_channel = channel
    tokens.revoke_session(principal.session_id, "elevated")
    pair = tokens.start_session(target, method="face", level=4, face_at=now)
    audit.record(
        kind=kind, outcome=outcome_label, account_id=target, channel=channel, provider_ref=ref, code=outcome.code, ip=ip
    )
    db.session.commit()
    log.info(
        "face verified",
        extra={"account_id": target, "channel": channel, "linked_from": account_id if target != account_id else None},
    )
    return pair
