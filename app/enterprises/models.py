"""Enterprise tables: the market-entity registry (市场主体登记 in miniature), the bindings of
verified persons to an enterprise as its legal representative, and agent authorisations (经办人).

The USCC and the enterprise's name and address are public register facts and stored plain; the
legal representative's name and ID number are personal data: encrypted, looked up by keyed hash
(the same keyed hash as the population registry's, so a verified identity matches it).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class EnterpriseStatus(enum.StrEnum):
    ACTIVE = "存续"
    DEREGISTERED = "注销"
    REVOKED = "吊销"
    MOVED_OUT = "迁出"


class Role(enum.StrEnum):
    LEGAL_REPRESENTATIVE = "legal_representative"
    AGENT = "agent"


class GrantScope(enum.StrEnum):
    ALL = "all"
    ITEMS = "items"
    THEMES = "themes"


class GrantStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"
    DECLINED = "declined"


class Enterprise(db.Model):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    # the keyed hash of the USCC: the enterprise's holder key for e-licences and credit records
    uscc_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default=EnterpriseStatus.ACTIVE)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    division_code: Mapped[str] = mapped_column(sa.String(12), default="")
    established_on: Mapped[date | None] = mapped_column(sa.Date)
    legal_rep_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    legal_rep_id_enc: Mapped[str] = mapped_column(sa.Text)
    legal_rep_name_enc: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EnterpriseBinding(db.Model):
    """A citizen account bound to an enterprise as its legal representative (法定代表人)."""

    __tablename__ = "enterprise_bindings"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "account_id", name="uq_enterprise_binding"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(24), default=Role.LEGAL_REPRESENTATIVE)
    # how the binding was proven: "registry" (verified identity = registered representative) or
    # "ebl" (electronic business licence scan-to-authorise)
    method: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()


class AgentGrant(db.Model):
    """An authorisation of a person (经办人) by the legal representative, for all items, listed
    items or themes, until a date. The person accepts it in their own account."""

    __tablename__ = "agent_grants"
    __table_args__ = (
        # one live (pending or active) grant per enterprise and person: concurrent grants collide here
        sa.Index(
            "uq_agent_grant_live",
            "enterprise_id",
            "agent_hash",
            unique=True,
            postgresql_where=sa.text("status IN ('pending', 'active')"),
            sqlite_where=sa.text("status IN ('pending', 'active')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    granted_by: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    agent_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    agent_id_enc: Mapped[str] = mapped_column(sa.Text)
    agent_name_enc: Mapped[str] = mapped_column(sa.Text)
    scope: Mapped[str] = mapped_column(sa.String(16), default=GrantScope.ALL)
    # item implementation codes or theme codes, per `scope`; empty for "all"
    scope_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    valid_until: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default=GrantStatus.PENDING)
    agent_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    accepted_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EnterpriseAudit(db.Model):
    """Every grant, acceptance, use, revocation, binding and context switch (who, what, when)."""

    __tablename__ = "enterprise_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    grant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agent_grants.id"))
    action: Mapped[str] = mapped_column(sa.String(32))
    # a case id, an item code ...: never personal data
    ref: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
