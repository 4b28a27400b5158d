"""Staff login, sessions and logout.

Every refused login answers the same 401 STAFF_LOGIN_FAILED — unknown username, wrong password,
inactive account, missing or wrong second factor — after the same password-hash work. Failures
are counted against whoever makes them, never against the account (house rule 18): per client
address (STAFF_LOGIN_FAILURES_PER_IP) and per (username, address) with a doubling wait
(STAFF_LOGIN_FAILURES_PER_USER_IP, STAFF_LOGIN_BACKOFF). Past either the answer is 429
STAFF_LOGIN_RATE_LIMITED with Retry-After, for known and unknown usernames alike. Each attempt
is counted before the password is checked (parallel attempts cannot slip past the limit) and
given back on success, which also clears that address's backoff for the username. Nothing a
stranger sends locks the account for its owner.

Sessions: one staff_sessions row per login; the token (HS256 JWT, audience "zsb-staff", so
citizen tokens are refused here and staff tokens in the citizen API) carries its id in `sid`.
Every request re-reads the session and the account, so logout, revocation (`revoke_sessions`:
a department head in the API, `flask staff revoke-sessions`), a disabled account and — once the
second factor is required — a session opened without it stop on the next request.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app import ratelimit
from app.extensions import db
from app.staff import errors, totp
from app.staff.base import StaffPrincipal, public, record, revoke_sessions  # noqa: F401 - auth.revoke_sessions for callers
from app.staff.models import StaffSession, StaffUser, utcnow

log = logging.getLogger(__name__)

STAFF_AUDIENCE = "zsb-staff"
ALGORITHM = "HS256"
PASSWORD_METHOD = "scrypt"  # noqa: S105 - the hashing method's name, not a secret
# Compared against when the username is unknown, so every failure costs the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


def _cfg(name: str, default):
    return current_app.config.get(name, default)


def _login_limits(username: str, ip: str | None) -> list[ratelimit.Limit]:
    per_ip, ip_window = _cfg("STAFF_LOGIN_FAILURES_PER_IP", (20, 900))
    per_user, user_window = _cfg("STAFF_LOGIN_FAILURES_PER_USER_IP", (10, 3600))
    free, first, most = _cfg("STAFF_LOGIN_BACKOFF", (3, 2, 900))
    who = hashlib.sha256(username.encode("utf-8")).hexdigest()[:32]
    return [
        ratelimit.Limit(f"staff-login:ip:{ip}", int(per_ip), ip_window),
        ratelimit.Limit(
            f"staff-login:user-ip:{who}:{ip}", int(per_user), user_window, backoff=(int(free), first, most)
        ),
    ]


def _encode(user: StaffUser, session: StaffSession, now: datetime) -> tuple[str, int]:
    ttl = int(_cfg("STAFF_TOKEN_TTL", 8 * 3600))
    epoch = int(now.replace(tzinfo=UTC).timestamp())
    claims = {
        "iss": current_app.config["JWT_ISSUER"],
        "aud": STAFF_AUDIENCE,
        "sub": str(user.id),
        "sid": session.id,
        "role": user.role,
        "dept": user.department_code,
        "jti": uuid.uuid4().hex,
        "iat": epoch,
        "exp": epoch + ttl,
    }
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM), ttl


def _check(user: StaffUser | None, password: str, code: str | None) -> tuple[bool, str, bool]:
    """(accepted, audit outcome, second factor used). The hash is always computed; the second
    factor only after a right password, so a stranger cannot spend the owner's current code."""
    usable = user is not None and user.active
    password_ok = check_password_hash(user.password_hash if usable else _DUMMY_HASH, password or "")
    if not (usable and password_ok):
        return False, "failed", False
    if user.totp_secret_enc is not None:
        if totp.verify(user, code):
            return True, "ok", True
        return False, "failed_totp", False
    if totp.required():
        return False, "failed_totp", False  # not enrolled: an administrator enrols the account first
    return True, "ok", False


def login(*, username: str, password: str, ip: str | None, code: str | None = None) -> dict:
    """Check a staff password (and second factor) and open a session (commits): {"access_token",
    "token_type", "expires_in", "staff"}. StaffLoginFailed or StaffLoginRateLimited."""
    username = (username or "").strip().lower()
    limits = _login_limits(username, ip)
    try:
        ratelimit.reserve(limits, exc_class=errors.StaffLoginRateLimited)
    except errors.StaffLoginRateLimited:
        log.info("staff login rate limited")
        raise
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))
    accepted, outcome, second_factor = _check(user, password, code)
    if not accepted:
        db.session.rollback()
        known = user is not None and user.active
        record(
            staff_id=user.id if user else None,
            department_code=user.department_code if known else None,
            action="auth.login",
            outcome=outcome,
            ip=ip,
        )
        db.session.commit()
        log.info("staff login failed", extra={"staff_id": user.id if user else None, "outcome": outcome})
        raise errors.StaffLoginFailed()
    ratelimit.release(limits[:1])
    ratelimit.release(limits[1:], clear=True)
    now = utcnow().replace(microsecond=0)
    ttl = int(_cfg("STAFF_TOKEN_TTL", 8 * 3600))
    session = StaffSession(
        id=uuid.uuid4().hex,
        staff_id=user.id,
        second_factor=second_factor,
        ip=ip,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    db.session.add(session)
    user.last_login_at = now
    token, ttl = _encode(user, session, now)
    record(staff_id=user.id, department_code=user.department_code, action="auth.login", ip=ip)
    out = {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "staff": public(user)}
    db.session.commit()
    return out


def authenticate(token: str) -> StaffPrincipal:
    """The staff member behind a staff token, re-checked against its session and account."""
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            audience=STAFF_AUDIENCE,
            issuer=current_app.config["JWT_ISSUER"],
            options={"require": ["exp", "iat", "sub", "aud", "sid"]},
            leeway=5,
        )
        staff_id = int(claims["sub"])
        session_id = str(claims["sid"])
    except jwt.ExpiredSignatureError:
        raise errors.StaffTokenExpired() from None
    except (jwt.InvalidTokenError, ValueError, KeyError, TypeError):
        raise errors.StaffTokenInvalid() from None
    row = db.session.execute(
        sa.select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.staff_id)
        .where(StaffSession.id == session_id, StaffSession.staff_id == staff_id)
    ).first()
    if row is None:
        raise errors.StaffTokenInvalid()
    session, user = row
    if session.expires_at <= utcnow():
        raise errors.StaffTokenExpired()
    if session.revoked_at is not None or not user.active or (totp.required() and not session.second_factor):
        raise errors.StaffSessionRevoked()
    return StaffPrincipal(user.id, user.username, user.role, user.department_code, session.id)


def logout(principal: StaffPrincipal, *, ip: str | None = None) -> None:
    """End the caller's session (commits): its token stops working on the next request."""
    db.session.execute(
        sa.update(StaffSession)
        .where(StaffSession.id == principal.session_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoke_reason="logout")
        .execution_options(synchronize_session=False)
    )
    record(staff_id=principal.staff_id, department_code=principal.department_code, action="auth.logout", ip=ip)
    db.session.commit()


def revoke_by_username(username: str, *, reason: str = "admin") -> int:
    """CLI: end every session of `username` (commits). StaffNotFound for an unknown one."""
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == (username or "").strip().lower()))
    if user is None:
        raise errors.StaffNotFound()
    count = revoke_sessions(user.id, reason=reason)
    record(staff_id=user.id, department_code=user.department_code, action="staff.sessions_revoked", target="cli")
    db.session.commit()
    return count
