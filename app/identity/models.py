"""Identity tables: accounts and the channel identities that log into them, the population
registry, real-name bindings, sessions with their refresh tokens, face checks, SMS codes and the
audit trail of verification attempts.

Personal data is never stored in clear: ID numbers, names and phones are AES-GCM ciphertexts
(`*_enc`, app.crypto) next to a keyed HMAC (`*_hash`) used for lookups and uniqueness.
Timestamps are naive UTC, as elsewhere in the core.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    # Folded into another account when face verification showed both are the same person;
    # its channel identities moved to `merged_into`.
    MERGED = "merged"
    DISABLED = "disabled"


class Account(db.Model):
    """One person's account. Channel identities (WeChat, Alipay, phone) point at it; once real
    name is proven it has one VerifiedIdentity."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=AccountStatus.ACTIVE)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="account", order_by="ChannelIdentity.id", foreign_keys="ChannelIdentity.account_id"
    )
    verified_identity: Mapped[VerifiedIdentity | None] = relationship(back_populates="account", uselist=False)


# Identifier kinds. One row per identifier, so each kind's uniqueness is one database constraint
# (kind, namespace, subject) and concurrent first logins with the same identifier collide there.
KIND_WECHAT_OPENID = "wechat_openid"  # namespace: the appid (mini-program or Open Platform app)
KIND_WECHAT_UNIONID = "wechat_unionid"  # namespace "": one per person across our WeChat appids
KIND_ALIPAY_USER_ID = "alipay_user_id"  # namespace "": 2088…, global to Alipay
KIND_ALIPAY_OPEN_ID = "alipay_open_id"  # namespace: the Alipay app_id
KIND_PHONE = "phone"  # namespace "", subject = lookup hash of the phone; phone_enc holds it

CHANNELS = ("wechat", "wechat_app", "alipay", "app")


class ChannelIdentity(db.Model):
    """An identifier a channel vouches for, linked to the account it logs into."""

    __tablename__ = "channel_identities"
    __table_args__ = (sa.UniqueConstraint("kind", "namespace", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(24))
    namespace: Mapped[str] = mapped_column(sa.String(64), default="")
    subject: Mapped[str] = mapped_column(sa.String(128))
    phone_enc: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    account: Mapped[Account] = relationship(back_populates="identities", foreign_keys=[account_id])


class Resident(db.Model):
    """A person in the population registry (人口库), the reference real-name checks match against."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    id_enc: Mapped[str] = mapped_column(sa.Text)
    name_enc: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VerifiedIdentity(db.Model):
    """An account's real-name binding: at most one per account and one account per person."""

    __tablename__ = "verified_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), unique=True)
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"))
    id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    id_enc: Mapped[str] = mapped_column(sa.Text)
    name_enc: Mapped[str] = mapped_column(sa.Text)
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    face_verified_at: Mapped[datetime | None] = mapped_column()
    face_channel: Mapped[str | None] = mapped_column(sa.String(16))

    account: Mapped[Account] = relationship(back_populates="verified_identity")


class AuthSession(db.Model):
    """A login session = one refresh-token family. Its level and face time are fixed at login;
    raising the level (real name, face) starts a new session and revokes this one."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(16))
    level: Mapped[int] = mapped_column()
    auth_time: Mapped[datetime] = mapped_column()
    face_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(32))
    # An acting session (the person acting for an enterprise) is a child of the personal session
    # it was switched from; revoking the parent revokes it. The enterprise and grant are opaque
    # here: app/enterprises checks them on every request.
    parent_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    enterprise_id: Mapped[int | None] = mapped_column()
    grant_id: Mapped[int | None] = mapped_column()


class RefreshToken(db.Model):
    """A refresh token, stored as its SHA-256. Used once: using it again revokes the session."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(sa.ForeignKey("auth_sessions.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()

    session: Mapped[AuthSession] = relationship()


class FaceCheckStatus(enum.StrEnum):
    STARTED = "started"
    PASSED = "passed"
    FAILED = "failed"
    EXPIRED = "expired"


class FaceCheck(db.Model):
    """One face verification at a channel's face service, for one identity."""

    __tablename__ = "face_checks"
    __table_args__ = (sa.UniqueConstraint("channel", "provider_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    out_seq_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    provider_ref: Mapped[str] = mapped_column(sa.String(128))
    # the WeChat openid the check was started for (queryverifyinfo needs it again)
    openid: Mapped[str | None] = mapped_column(sa.String(128))
    id_hash: Mapped[str] = mapped_column(sa.String(64))
    id_enc: Mapped[str] = mapped_column(sa.Text)
    name_enc: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=FaceCheckStatus.STARTED)
    result_code: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()


class SmsCode(db.Model):
    """A one-time login code sent by SMS; only the newest one per phone counts."""

    __tablename__ = "sms_codes"
    __table_args__ = (sa.Index("ix_sms_codes_phone_hash_created_at", "phone_hash", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column()


class VerificationAttempt(db.Model):
    """Append-only audit of every real-name and face verification attempt."""

    __tablename__ = "verification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # realname | face_start | face_verify | face_login
    channel: Mapped[str | None] = mapped_column(sa.String(16))
    outcome: Mapped[str] = mapped_column(sa.String(24))
    provider_ref: Mapped[str | None] = mapped_column(sa.String(128))
    code: Mapped[str | None] = mapped_column(sa.String(48))  # provider result code or our error code
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# Every identity table, children first (tests and tools delete in this order).
TABLES = (
    "verification_attempts",
    "sms_codes",
    "face_checks",
    "refresh_tokens",
    "auth_sessions",
    "verified_identities",
    "residents",
    "channel_identities",
    "accounts",
)
