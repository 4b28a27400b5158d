"""Staff accounts' public functions: create, log in, authenticate, audit.

Staff tokens are HS256 JWTs with audience "zsb-staff" (STAFF_AUDIENCE): citizen tokens carry
no audience, so neither kind is accepted where the other is expected. Every request re-reads the
account, so disabling or locking it takes effect at once.

Lockout: STAFF_MAX_FAILED_LOGINS wrong passwords in a row lock the account for
STAFF_LOCKOUT_SECONDS; a correct password resets the count.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.catalog.models import Department
from app.extensions import db
from app.staff import errors
from app.staff.models import StaffAction, StaffRole, StaffUser, utcnow

log = logging.getLogger(__name__)

STAFF_AUDIENCE = "zsb-staff"
ALGORITHM = "HS256"
PASSWORD_METHOD = "scrypt"  # noqa: S105 - the hashing method's name, not a secret
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# Compared against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


@dataclass(frozen=True)
class StaffPrincipal:
    staff_id: int
    username: str
    role: str
    department_code: str


def _cfg(name: str, default):
    return current_app.config.get(name, default)


def _public(user: StaffUser) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "department_code": user.department_code,
        "active": user.active,
        "last_login_at": user.last_login_at,
    }


def record(
    *,
    staff_id: int | None,
    department_code: str | None,
    action: str,
    target: str | None = None,
    outcome: str = "ok",
    ip: str | None = None,
) -> None:
    """Add one audit row (the caller commits)."""
    db.session.add(
        StaffAction(
            staff_id=staff_id,
            department_code=department_code,
            action=action,
            target=target,
            outcome=outcome,
            ip=ip,
        )
    )


def create_staff(*, username: str, password: str, department_code: str, role: str, display_name: str = "") -> dict:
    """Create a staff account (commits)."""
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise errors.StaffInvalid("用户名为3至64位小写字母、数字或 . _ -", error="INVALID_USERNAME")
    if role not in {r.value for r in StaffRole}:
        raise errors.StaffInvalid("岗位应为 window_clerk、reviewer 或 department_head", error="INVALID_ROLE")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise errors.StaffInvalid(f"密码至少{MIN_PASSWORD_LENGTH}位", error="WEAK_PASSWORD")
    if db.session.scalar(sa.select(Department.id).where(Department.code == department_code)) is None:
        raise errors.StaffInvalid("部门不存在", error="UNKNOWN_DEPARTMENT")
    if db.session.scalar(sa.select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise errors.StaffExists()
    user = StaffUser(
        username=username,
        display_name=display_name,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        role=role,
        department_code=department_code,
    )
    db.session.add(user)
    db.session.flush()
    record(staff_id=user.id, department_code=department_code, action="staff.create", target=username)
    out = _public(user)
    db.session.commit()
    return out


def _encode(user: StaffUser, now: datetime) -> tuple[str, int]:
    ttl = int(_cfg("STAFF_TOKEN_TTL", 8 * 3600))
    epoch = int(now.replace(tzinfo=UTC).timestamp())
    claims = {
        "iss": current_app.config["JWT_ISSUER"],
        "aud": STAFF_AUDIENCE,
        "sub": str(user.id),
        "role": user.role,
        "dept": user.department_code,
        "jti": uuid.uuid4().hex,
        "iat": epoch,
        "exp": epoch + ttl,
    }
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM), ttl


def login(*, username: str, password: str, ip: str | None) -> dict:
    """Check a staff password (commits the outcome); {"access_token", "token_type",
    "expires_in", "staff"}. StaffLoginFailed or StaffLocked."""
    username = (username or "").strip().lower()
    now = utcnow()
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username).with_for_update())
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        record(staff_id=user.id if user else None, department_code=None, action="auth.login", outcome="failed", ip=ip)
        db.session.commit()
        raise errors.StaffLoginFailed()
    if user.locked_until is not None and user.locked_until > now:
        record(staff_id=user.id, department_code=user.department_code, action="auth.login", outcome="locked", ip=ip)
        db.session.commit()
        raise errors.StaffLocked(errors={"locked_until": user.locked_until.isoformat() + "Z"})
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        outcome = "failed"
        if user.failed_logins >= int(_cfg("STAFF_MAX_FAILED_LOGINS", 5)):
            user.locked_until = now + timedelta(seconds=int(_cfg("STAFF_LOCKOUT_SECONDS", 900)))
            user.failed_logins = 0
            outcome = "locked_now"
        record(staff_id=user.id, department_code=user.department_code, action="auth.login", outcome=outcome, ip=ip)
        db.session.commit()
        log.info("staff login failed", extra={"staff_id": user.id, "outcome": outcome})
        raise errors.StaffLoginFailed()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    token, ttl = _encode(user, now)
    record(staff_id=user.id, department_code=user.department_code, action="auth.login", ip=ip)
    out = {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "staff": _public(user)}
    db.session.commit()
    return out


def authenticate(token: str) -> StaffPrincipal:
    """The staff member behind a staff token (re-checked against the account)."""
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            audience=STAFF_AUDIENCE,
            issuer=current_app.config["JWT_ISSUER"],
            options={"require": ["exp", "iat", "sub", "aud"]},
            leeway=5,
        )
        staff_id = int(claims["sub"])
    except jwt.ExpiredSignatureError:
        raise errors.StaffTokenExpired() from None
    except (jwt.InvalidTokenError, ValueError, KeyError):
        raise errors.StaffTokenInvalid() from None
    user = db.session.get(StaffUser, staff_id)
    if user is None or not user.active or (user.locked_until is not None and user.locked_until > utcnow()):
        raise errors.StaffTokenInvalid()
    return StaffPrincipal(user.id, user.username, user.role, user.department_code)


def require_role(principal: StaffPrincipal, roles: tuple[str, ...]) -> None:
    if roles and principal.role not in roles:
        raise errors.StaffRoleRequired(errors={"auth": {"required_roles": list(roles), "role": principal.role}})


def require_department(principal: StaffPrincipal, department_code: str) -> None:
    """Refuse (and audit) a request about another department's business."""
    if department_code != principal.department_code:
        record(
            staff_id=principal.staff_id,
            department_code=principal.department_code,
            action="scope.denied",
            target=department_code[:100],
            outcome="denied",
        )
        db.session.commit()
        raise errors.DepartmentScope()


def describe(principal: StaffPrincipal) -> dict:
    return _public(db.session.get(StaffUser, principal.staff_id))


def department_staff(principal: StaffPrincipal, department_code: str) -> list[dict]:
    """The staff accounts of the caller's own department (commits the audit row)."""
    require_department(principal, department_code)
    rows = db.session.scalars(
        sa.select(StaffUser).where(StaffUser.department_code == department_code).order_by(StaffUser.username)
    ).all()
    record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="staff.list",
        target=department_code,
    )
    out = [_public(r) for r in rows]
    db.session.commit()
    return out


def department_audit(principal: StaffPrincipal, department_code: str, *, page: int, page_size: int) -> dict:
    """The audit trail of the caller's own department, newest first."""
    require_department(principal, department_code)
    where = StaffAction.department_code == department_code
    total = db.session.scalar(sa.select(sa.func.count()).select_from(StaffAction).where(where))
    rows = db.session.scalars(
        sa.select(StaffAction)
        .where(where)
        .order_by(StaffAction.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    items = [
        {
            "id": r.id,
            "staff_id": r.staff_id,
            "action": r.action,
            "target": r.target,
            "outcome": r.outcome,
            "created_at": r.created_at,
        }
        for r in rows
    ]
    return {"items": items, "total": total, "page": page, "page_size": page_size}
