"""Case tables: the case itself (a draft until submitted), its materials with how each is met,
uploaded files, the timeline, submit idempotency keys and the case-number sequences.

Materials and the form schema are copied from the guide when the draft is created, so a catalog
change (or an item taken offline) does not alter an application under way. Timestamps are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.states import CaseStatus
from app.crypto import EncryptedJSON
from app.extensions import db

FORM_DATA_CONTEXT = "case.form_data"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# app.cases.queue.OPEN as SQL (a partial index predicate is text; tests/stats/test_rollup.py checks they agree)
OPEN_STATUSES = "status IN ('submitted', 'accepted', 'correction_requested', 'approved', 'denied')"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("ix_cases_account_status", "account_id", "status"),
        sa.Index("ix_cases_status_updated", "status", "updated_at"),  # idle drafts (retention)
        # a department's work queue in submission order, and its figures (index-only on PostgreSQL)
        sa.Index(
            "ix_cases_department_submitted",
            "department_code",
            "submitted_at",
            "id",
            postgresql_include=["service_code", "status"],
        ),
        # the platform's figures and trend over a period (index-only on PostgreSQL)
        sa.Index("ix_cases_submitted", "submitted_at", postgresql_include=["service_code", "status"]),
        # a department's open cases: the queue's overdue filter and its cut-offs (app/cases/queue.py)
        sa.Index(
            "ix_cases_department_open",
            "department_code",
            "submitted_at",
            "id",
            postgresql_include=["service_code", "bundle_time_limit", "status"],
            postgresql_where=sa.text(OPEN_STATUSES),
            sqlite_where=sa.text(OPEN_STATUSES),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    service_code: Mapped[str] = mapped_column(sa.String(64))
    service_name: Mapped[str] = mapped_column(sa.String(200))
    department_code: Mapped[str] = mapped_column(sa.String(64))
    department_name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(32), default=CaseStatus.DRAFT)
    required_level: Mapped[int] = mapped_column(default=3)
    # the item's form schema when the draft was started: the case is checked against it
    form_schema: Mapped[dict] = mapped_column(sa.JSON)
    # what the citizen typed into the form: one ciphertext (app.crypto), read as the dict
    form_data: Mapped[dict] = mapped_column(EncryptedJSON(FORM_DATA_CONTEXT), default=dict)
    case_number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    applicant_hash: Mapped[str | None] = mapped_column(sa.String(64))
    credit_flag: Mapped[str | None] = mapped_column(sa.String(32))
    correction_note: Mapped[str | None] = mapped_column(sa.String(500))
    # the fee due in fen (0: free), fixed when the draft is started; payments/ charges it
    fee_fen: Mapped[int] = mapped_column(default=0, server_default="0")
    # the item's instant-approval rules when the draft was started ([]: an officer decides)
    instant_rules: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    # a draft's expiry notice went out (app/cases/retention.py); void once the draft changes after it
    expiry_warned_at: Mapped[datetime | None] = mapped_column()
    # The enterprise the case is applied for (the applicant) while `account_id` is the person who
    # acts for it (the handler); null for an individual's own case.
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    # the 一件事 application the case is a member of (app/bundles); null for a case on its own
    bundle_application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bundle_applications.id"), index=True)
    # the whole bundle's promise (working days from the same submission): supervision follows
    # it as well as the item's own
    bundle_time_limit: Mapped[int | None] = mapped_column()

    materials: Mapped[list[CaseMaterial]] = relationship(
        back_populates="case", order_by="CaseMaterial.position", cascade="all, delete-orphan"
    )
    timeline: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id", cascade="all, delete-orphan")


class CaseMaterial(db.Model):
    """One material of the checklist and how the citizen meets it: `method` is None (not yet),
    "licence" (授权用证), "commitment" (告知承诺) or "upload"."""

    __tablename__ = "case_materials"
    __table_args__ = (sa.UniqueConstraint("case_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(200))
    material_type_code: Mapped[str] = mapped_column(sa.String(32))
    licence_type_code: Mapped[str | None] = mapped_column(sa.String(32))
    required: Mapped[bool] = mapped_column()
    commitment_allowed: Mapped[bool] = mapped_column()
    method: Mapped[str | None] = mapped_column(sa.String(16))
    licence_id: Mapped[int | None] = mapped_column()
    authorisation_id: Mapped[int | None] = mapped_column()
    commitment_version: Mapped[str | None] = mapped_column(sa.String(64))
    commitment_accepted_at: Mapped[datetime | None] = mapped_column()
    # named in the officer's correction request (补正): the citizen must provide it again
    needs_correction: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(back_populates="materials")
    files: Mapped[list[CaseFile]] = relationship(order_by="CaseFile.id", cascade="all, delete-orphan")


class CaseFile(db.Model):
    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("case_materials.id"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseEvent(db.Model):
    """One timeline entry: a state move of the case, by whom, with an optional note."""

    __tablename__ = "case_events"
    __table_args__ = (
        # the figures: a case's first closing, and whether it was approved instantly
        sa.Index(
            "ix_case_events_closing",
            "case_id",
            "created_at",
            postgresql_where=sa.text("action IN ('conclude', 'reject')"),
            sqlite_where=sa.text("action IN ('conclude', 'reject')"),
        ),
        sa.Index(
            "ix_case_events_instant",
            "case_id",
            postgresql_where=sa.text("action = 'instant_approve'"),
            sqlite_where=sa.text("action = 'instant_approve'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str] = mapped_column(sa.String(32))
    to_status: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubmitRequest(db.Model):
    """A client's Idempotency-Key on submit: unique per account, pointing at the case it moved."""

    __tablename__ = "case_submit_requests"
    __table_args__ = (sa.UniqueConstraint("account_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseNumberSequence(db.Model):
    """The last number issued per prefix and day ("YQX-20261122"), bumped under a row lock."""

    __tablename__ = "case_number_sequences"

    prefix: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


TABLES = ("case_submit_requests", "case_events", "case_files", "case_materials", "cases", "case_number_sequences")
