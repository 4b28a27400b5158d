"""Staff accounts' public functions: create, log in, authenticate, log out, second factor,
department-scoped lists and the audit.

Login, sessions and their limits: app.staff.auth; the second factor (TOTP): app.staff.totp.
Both are re-exported here, the one module other packages call.
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.catalog.models import Department
from app.extensions import db
from app.staff import errors
from app.staff.auth import PASSWORD_METHOD, STAFF_AUDIENCE, authenticate, login, logout, revoke_sessions
from app.staff.base import StaffPrincipal, record
from app.staff.base import public as _public
from app.staff.models import StaffAction, StaffRole, StaffUser, utcnow
from app.staff.totp import confirm_enrolment, start_enrolment

__all__ = [
    "STAFF_AUDIENCE",
    "StaffPrincipal",
    "authenticate",
    "confirm_enrolment",
    "create_staff",
    "department_audit",
    "department_staff",
    "describe",
    "login",
    "logout",
    "record",
    "require_department",
    "require_role",
    "revoke_department_staff_sessions",
    "start_enrolment",
    "utcnow",
]

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


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


def revoke_department_staff_sessions(principal: StaffPrincipal, department_code: str, staff_id: int) -> dict:
    """End every session of a staff member of the caller's own department (commits): their
    tokens stop on the next request."""
    require_department(principal, department_code)
    user = db.session.get(StaffUser, staff_id)
    if user is None or user.department_code != department_code:
        raise errors.StaffNotFound()
    count = revoke_sessions(user.id, reason="revoked")
    record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="staff.sessions_revoked",
        target=user.username,
    )
    db.session.commit()
    log.info("staff sessions revoked", extra={"staff_id": user.id, "by": principal.staff_id, "count": count})
    return {"staff_id": user.id, "revoked": count}
