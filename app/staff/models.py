"""Staff accounts and the audit of what staff do.

`department_code` is the catalog department's code, kept as a plain string (checked when the
account is created) so the catalog can be re-imported without touching staff accounts."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class StaffRole(enum.StrEnum):
    WINDOW_CLERK = "window_clerk"  # 窗口受理
    REVIEWER = "reviewer"  # 审核
    DEPARTMENT_HEAD = "department_head"  # 部门负责人


class StaffUser(db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(32))
    department_code: Mapped[str] = mapped_column(sa.String(32), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # Second factor (TOTP, RFC 6238): the secret is an app.crypto ciphertext. An enrolment in
    # progress waits in `totp_pending_enc` until confirmed with a code; `totp_last_step` is the
    # time step of the last code accepted, so no code is accepted twice.
    totp_secret_enc: Mapped[str | None] = mapped_column(sa.Text)
    totp_pending_enc: Mapped[str | None] = mapped_column(sa.Text)
    totp_enabled_at: Mapped[datetime | None] = mapped_column()
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class StaffSession(db.Model):
    """A staff login. The token carries its id; every request re-reads it, so logout and
    revocation take effect on the next request."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    second_factor: Mapped[bool] = mapped_column(default=False)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(32))


class StaffAction(db.Model):
    """Append-only audit of staff actions (logins and every scoped request that changes or reads
    citizens' data). `staff_id` is null for a failed login under an unknown username."""

    __tablename__ = "staff_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    department_code: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    action: Mapped[str] = mapped_column(sa.String(48))
    target: Mapped[str | None] = mapped_column(sa.String(100))
    outcome: Mapped[str] = mapped_column(sa.String(24), default="ok")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


TABLES = ("staff_actions", "staff_sessions", "staff_users")
