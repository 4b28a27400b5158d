"""E-licence tables.

A licence belongs to a person, not to an account: it is keyed by the holder's lookup hash
(`holder_hash`, the same keyed HMAC of the resident ID number that residents and verified
identities carry), so it follows the person to whichever account is verified as them. There is
deliberately no foreign key to `residents` or `accounts`: the registry row may be re-created and
accounts merge, while a licence and its audit trail must outlive both.

Holder name, licence number and the essentials document are AES-GCM ciphertexts (app.crypto).
Dates are China dates (Asia/Shanghai); timestamps naive UTC, as elsewhere in the core.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Department, LicenceType
from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class LicenceStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ELicence(db.Model):
    __tablename__ = "licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(sa.String(100), unique=True)
    holder_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    licence_type_id: Mapped[int] = mapped_column(sa.ForeignKey("licence_types.id"), index=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    holder_name_enc: Mapped[str] = mapped_column(sa.Text)
    number_enc: Mapped[str] = mapped_column(sa.Text)
    essentials_enc: Mapped[str] = mapped_column(sa.Text)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)  # null: long-term (长期)
    status: Mapped[str] = mapped_column(sa.String(16), default=LicenceStatus.VALID)
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # The case (办件) whose result this licence is; filled by app.cases.
    source_ref: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    licence_type: Mapped[LicenceType] = relationship()
    issuer: Mapped[Department] = relationship()


class LicenceUse(db.Model):
    """Append-only audit of 授权用证: the holder let a matter (purpose) use this licence.

    `account_id` has no foreign key so the audit survives account merges and clean-ups."""

    __tablename__ = "licence_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(sa.ForeignKey("licences.id"), index=True)
    account_id: Mapped[int] = mapped_column(index=True)
    purpose: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenceShowCode(db.Model):
    """A short-lived code shown on the holder's phone (亮证); a verifier checks it.

    Only the nonce and a SHA-256 of the whole code are stored; `checks` counts verifications,
    refused beyond LICENCE_SHOW_CODE_MAX_CHECKS."""

    __tablename__ = "licence_show_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(32), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    licence_id: Mapped[int] = mapped_column(sa.ForeignKey("licences.id"), index=True)
    account_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    checks: Mapped[int] = mapped_column(default=0)
    last_checked_at: Mapped[datetime | None] = mapped_column()


# Children first (tests and tools delete in this order).
TABLES = ("licence_show_codes", "licence_uses", "licences")
