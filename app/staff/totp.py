"""Second factor for staff: TOTP (RFC 6238: 30-second steps, 6 digits, SHA-1 — what every
authenticator app reads from an otpauth:// URI), with pyotp.

Required in production (always) and wherever STAFF_TOTP_REQUIRED is on; elsewhere required of
the accounts that enrolled. Enrolment:

* an administrator: `flask staff totp-enrol USER` — a new secret, active at once (any previous
  one replaced, the account's sessions ended); the otpauth URI is printed for the staff member's
  app. In production this is how an account gets its first factor before its first login.
* the staff member, logged in: `POST auth/totp` returns the provisioning URI once (with the
  current code when a factor is already active, to replace it) and keeps the new secret
  pending; `POST auth/totp/confirm {code}` activates it and ends the account's other sessions.

Secrets are app.crypto ciphertexts (context `staff.totp`). A code is accepted for its own step
and one step either side (clock drift), and each step at most once (`totp_last_step`, moved
forward by one conditional UPDATE), so a replayed code — even a concurrent one — is refused.
"""

from __future__ import annotations

import hmac
import logging
import time

import pyotp
import sqlalchemy as sa
from flask import current_app

from app import crypto, ratelimit
from app.extensions import db
from app.staff import errors
from app.staff.base import StaffPrincipal, record, revoke_sessions
from app.staff.models import StaffUser, utcnow

log = logging.getLogger(__name__)

CONTEXT = "staff.totp"
STEP = 30
DIGITS = 6


def required() -> bool:
    """Whether every staff login needs a second factor here."""
    config = current_app.config
    return bool(config.get("STAFF_TOTP_REQUIRED")) or config.get("ENV_NAME") == "production"


def _uri(secret: str, username: str) -> str:
    issuer = current_app.config.get("STAFF_TOTP_ISSUER") or "掌上办"
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def _matching_step(secret: str, code: str | None, now: float | None = None) -> int | None:
    if not code or len(code) != DIGITS or not code.isdigit():
        return None
    otp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(otp.generate_otp(step), code):
            return step
    return None


def _consume_step(user_id: int, step: int) -> bool:
    """Record `step` as used; False when it (or a later one) was used already."""
    moved = db.session.execute(
        sa.update(StaffUser)
        .where(
            StaffUser.id == user_id,
            sa.or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1


def verify(user: StaffUser, code: str | None) -> bool:
    """A current, never-used code of the account's active secret (the step is recorded; the
    caller commits)."""
    if user.totp_secret_enc is None:
        return False
    step = _matching_step(crypto.decrypt(user.totp_secret_enc, context=CONTEXT), code)
    return step is not None and _consume_step(user.id, step)


def _code_limit(staff_id: int) -> list[ratelimit.Limit]:
    limit, window = current_app.config.get("STAFF_TOTP_FAILURES", (10, 900))
    return [ratelimit.Limit(f"staff-totp:{staff_id}", limit, window, backoff=(3, 2, 300))]


def _checked(staff_id: int, check) -> None:
    """Run a code check under the per-account failure limit; refuse a wrong code (422)."""
    limits = _code_limit(staff_id)
    ratelimit.reserve(limits, exc_class=errors.StaffTotpRateLimited)
    if not check():
        db.session.rollback()
        raise errors.StaffTotpInvalid()
    ratelimit.release(limits, clear=True)


def enrol_by_admin(username: str) -> str:
    """CLI: give `username` a new active secret (commits); returns the otpauth URI."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == (username or "").strip().lower()))
    if user is None:
        raise errors.StaffNotFound()
    secret = pyotp.random_base32()
    user.totp_secret_enc = crypto.encrypt(secret, context=CONTEXT)
    user.totp_pending_enc = None
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    revoke_sessions(user.id, reason="totp_enrolled")
    record(staff_id=user.id, department_code=user.department_code, action="staff.totp_enrol", target="cli")
    uri = _uri(secret, user.username)
    db.session.commit()
    log.info("staff second factor enrolled", extra={"staff_id": user.id, "by": "cli"})
    return uri


def start_enrolment(principal: StaffPrincipal, *, code: str | None = None) -> dict:
    """A new pending secret for the caller (commits): {otpauth_uri, secret}, shown this once.
    With a factor already active, `code` must be a current code of it."""
    user = db.session.get(StaffUser, principal.staff_id, with_for_update=True)
    if user.totp_secret_enc is not None:
        _checked(user.id, lambda: verify(user, code))
    secret = pyotp.random_base32()
    user.totp_pending_enc = crypto.encrypt(secret, context=CONTEXT)
    record(staff_id=user.id, department_code=user.department_code, action="staff.totp_start")
    out = {"otpauth_uri": _uri(secret, user.username), "secret": secret}
    db.session.commit()
    return out


def confirm_enrolment(principal: StaffPrincipal, *, code: str) -> dict:
    """Activate the pending secret with a current code of it (commits); other sessions end."""
    user = db.session.get(StaffUser, principal.staff_id, with_for_update=True)
    if user.totp_pending_enc is None:
        db.session.rollback()
        raise errors.StaffTotpNotPending()
    pending = crypto.decrypt(user.totp_pending_enc, context=CONTEXT)
    step_box: list[int] = []

    def check() -> bool:
        step = _matching_step(pending, code)
        step_box.append(step)
        return step is not None

    _checked(user.id, check)
    now = utcnow()
    user.totp_secret_enc = user.totp_pending_enc
    user.totp_pending_enc = None
    user.totp_enabled_at = now
    user.totp_last_step = step_box[0]
    revoked = revoke_sessions(user.id, reason="totp_enrolled", keep=principal.session_id)
    record(staff_id=user.id, department_code=user.department_code, action="staff.totp_enrol", target="api")
    db.session.commit()
    log.info("staff second factor enrolled", extra={"staff_id": user.id, "by": "api", "revoked": revoked})
    return {"totp_enrolled": True, "totp_enabled_at": now, "sessions_revoked": revoked}
