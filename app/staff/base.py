"""What every staff module shares: the principal of a staff request, the public view of an
account and the audit row."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.staff.models import StaffAction, StaffSession, StaffUser, utcnow


@dataclass(frozen=True)
class StaffPrincipal:
    staff_id: int
    username: str
    role: str
    department_code: str
    session_id: str | None = None


def public(user: StaffUser) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "department_code": user.department_code,
        "active": user.active,
        "last_login_at": user.last_login_at,
        "totp_enrolled": user.totp_secret_enc is not None,
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


def revoke_sessions(staff_id: int, *, reason: str, keep: str | None = None) -> int:
    """End every live session of a staff account (but `keep`); the caller commits."""
    where = [StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None)]
    if keep:
        where.append(StaffSession.id != keep)
    result = db.session.execute(
        sa.update(StaffSession)
        .where(*where)
        .values(revoked_at=utcnow(), revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
