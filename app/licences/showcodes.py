"""Show codes (亮证码): a short-lived signed code on the holder's phone that a verifier checks.

A code is ``<licence id>.<expiry, unix seconds>.<nonce>.<signature>`` where the signature is
the first 16 bytes of HMAC-SHA256, base64url, over "zsb-licence-code|<id>.<expiry>.<nonce>" with
a key derived from SECRET_KEY for this purpose only. The signature makes forged or altered codes
fail without a database read; the stored row (nonce, SHA-256 of the code) makes a code countable
and refused after LICENCE_SHOW_CODE_MAX_CHECKS verifications (1 by default: single use).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import secrets
from datetime import UTC, datetime, timedelta

import qrcode
import sqlalchemy as sa
from flask import current_app

from app import crypto, ratelimit
from app.extensions import db
from app.licences import errors
from app.licences.masking import mask_essentials, mask_holder_name, mask_number
from app.licences.models import ELicence, LicenceShowCode, LicenceStatus, utcnow
from app.licences.reading import NAME_CONTEXT, NUMBER_CONTEXT, effective_status, essentials_of, owned

log = logging.getLogger(__name__)

DEFAULT_TTL = 120
DEFAULT_MAX_CHECKS = 1
DEFAULT_CHECK_LIMIT_PER_IP = (60, 60)
_SIG_BYTES = 16


def _setting(name: str, default):
    return current_app.config.get(name, default)


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, b"zsb-licence-show-code-key", hashlib.sha256).digest()


def _sign(payload: str) -> str:
    mac = hmac.new(_key(), b"zsb-licence-code|" + payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:_SIG_BYTES]).decode().rstrip("=")


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _epoch(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


def _parse(code: str) -> tuple[int, int, str]:
    """(licence id, expiry epoch, nonce) of a code whose signature is right, else ShowCodeInvalid."""
    if not isinstance(code, str) or len(code) > 128 or not code.isascii():
        raise errors.ShowCodeInvalid()
    parts = code.split(".")
    if len(parts) != 4:
        raise errors.ShowCodeInvalid()
    licence_id, expiry, nonce, signature = parts
    payload = f"{licence_id}.{expiry}.{nonce}"
    if not hmac.compare_digest(_sign(payload), signature):
        raise errors.ShowCodeInvalid()
    try:
        return int(licence_id), int(expiry), nonce
    except ValueError:  # pragma: no cover - we signed it, so it parses
        raise errors.ShowCodeInvalid() from None


def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes (error correction M, 8 px modules, 4-module margin)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def create(*, account_id: int, licence_id: int, enterprise_id: int | None = None) -> dict:
    """A show code for one of the account's person's valid licences (commits).

    Returns {"code", "expires_at", "expires_in", "qr_png_base64"}; the QR encodes the code."""
    licence = owned(account_id, licence_id, enterprise_id=enterprise_id)
    if effective_status(licence) != LicenceStatus.VALID:
        raise errors.LicenceNotUsable()
    ttl = int(_setting("LICENCE_SHOW_CODE_TTL", DEFAULT_TTL))
    now = utcnow().replace(microsecond=0)
    expires_at = now + timedelta(seconds=ttl)
    nonce = secrets.token_hex(8)
    payload = f"{licence.id}.{_epoch(expires_at)}.{nonce}"
    code = f"{payload}.{_sign(payload)}"
    db.session.add(
        LicenceShowCode(
            nonce=nonce,
            code_hash=_code_hash(code),
            licence_id=licence.id,
            account_id=account_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.session.commit()
    return {
        "code": code,
        "expires_at": expires_at,
        "expires_in": ttl,
        "qr_png_base64": base64.b64encode(qr_png(code)).decode("ascii"),
    }


def png_for_account(*, account_id: int, licence_id: int, code: str, enterprise_id: int | None = None) -> bytes:
    """The QR PNG of a live code the holder created for this licence (their phone re-fetching
    the image); ShowCodeInvalid / ShowCodeExpired otherwise. Does not count as a check. The
    licence must still be in the caller's wallet (an agent whose authorisation ended has none)."""
    code_licence_id, expiry, nonce = _parse(code)
    try:
        owned(account_id, licence_id, enterprise_id=enterprise_id)
    except errors.LicenceNotFound:
        raise errors.ShowCodeInvalid() from None
    row = db.session.scalar(sa.select(LicenceShowCode).where(LicenceShowCode.nonce == nonce))
    if (
        row is None
        or code_licence_id != licence_id
        or row.licence_id != licence_id
        or row.account_id != account_id
        or not hmac.compare_digest(row.code_hash, _code_hash(code))
    ):
        raise errors.ShowCodeInvalid()
    if utcnow() >= row.expires_at:
        raise errors.ShowCodeExpired()
    return qr_png(code)


def check(code: str, *, ip: str | None) -> dict:
    """A verifier checks a show code (public; limited per IP; commits the check count).

    ShowCodeInvalid for a malformed, forged or unknown code, ShowCodeExpired past its expiry,
    ShowCodeUsed beyond the allowed number of checks. A revoked or expired licence is an answer,
    not an error: valid=false with its status.
    """
    limit, window = _setting("LICENCE_CHECK_LIMIT_PER_IP", DEFAULT_CHECK_LIMIT_PER_IP)
    ratelimit.hit(f"licence-check:ip:{ip}", limit, window, error="LICENCE_CHECK_RATE_LIMITED")
    licence_id, expiry, nonce = _parse(code)
    now = utcnow()
    if _epoch(now) >= expiry:
        raise errors.ShowCodeExpired()
    row = db.session.scalar(sa.select(LicenceShowCode).where(LicenceShowCode.nonce == nonce).with_for_update())
    if row is None or row.licence_id != licence_id or not hmac.compare_digest(row.code_hash, _code_hash(code)):
        db.session.rollback()
        raise errors.ShowCodeInvalid()
    if now >= row.expires_at:
        db.session.rollback()
        raise errors.ShowCodeExpired()
    if row.checks >= int(_setting("LICENCE_SHOW_CODE_MAX_CHECKS", DEFAULT_MAX_CHECKS)):
        db.session.rollback()
        raise errors.ShowCodeUsed()
    row.checks += 1
    row.last_checked_at = now
    licence = db.session.get(ELicence, licence_id)
    status = str(effective_status(licence))
    out = {
        "valid": status == LicenceStatus.VALID,
        "status": status,
        "checked_at": now,
        "identifier": licence.identifier,
        "licence_type": {"code": licence.licence_type.code, "name": licence.licence_type.name},
        "issuer": {"code": licence.issuer.code, "name": licence.issuer.name},
        "holder_masked": mask_holder_name(crypto.decrypt(licence.holder_name_enc, context=NAME_CONTEXT)),
        "number_masked": mask_number(crypto.decrypt(licence.number_enc, context=NUMBER_CONTEXT)),
        "essentials": mask_essentials(essentials_of(licence)),
        "issued_on": licence.issued_on,
        "valid_until": licence.valid_until,
    }
    db.session.commit()
    log.info("licence show code checked", extra={"licence_id": licence_id, "valid": out["valid"]})
    return out
