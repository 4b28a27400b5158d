"""Credit tables. A person is identified by `id_hash`, the same keyed HMAC of the ID number as
the population registry uses (app.identity.registry.id_hash), so no ID number is stored here."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Severity(enum.StrEnum):
    SERIOUS = "serious"  # blocks submission and commitments
    GENERAL = "general"  # flags the case for the officer


class BadCreditEntry(db.Model):
    """One entry of the bad-credit list (失信被执行人名单)."""

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    severity: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(32), default="manual")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FalseCommitment(db.Model):
    """A commitment (告知承诺) found to be false: the person may not use commitments again."""

    __tablename__ = "credit_false_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    case_id: Mapped[int | None] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


TABLES = ("credit_false_commitments", "credit_entries")
