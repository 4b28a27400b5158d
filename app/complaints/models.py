"""A consultation (咨询) or complaint (投诉) by a citizen about an item, a case or a hall, the
department it was routed to, its answer deadline (China date, working days) and the answer."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.models import utcnow
from app.crypto import EncryptedText
from app.extensions import db


class ComplaintKind(enum.StrEnum):
    CONSULTATION = "consultation"
    COMPLAINT = "complaint"


class SubjectType(enum.StrEnum):
    ITEM = "item"
    CASE = "case"
    HALL = "hall"


class ComplaintStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


class Complaint(db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        sa.Index("ix_complaints_department_status", "department_code", "status"),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    subject_type: Mapped[str] = mapped_column(sa.String(8))
    service_code: Mapped[str | None] = mapped_column(sa.String(64))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    hall_code: Mapped[str | None] = mapped_column(sa.String(32))
    subject_name: Mapped[str] = mapped_column(sa.String(200))
    department_code: Mapped[str] = mapped_column(sa.String(32))
    # what the citizen wrote, and the answer (which may quote it): ciphertexts (app.crypto);
    # lengths are bounded by the API schemas (title 100, content and answer 2000)
    title: Mapped[str] = mapped_column(EncryptedText("complaint.title"))
    content: Mapped[str] = mapped_column(EncryptedText("complaint.content"))
    status: Mapped[str] = mapped_column(sa.String(16), default=ComplaintStatus.OPEN)
    due_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(EncryptedText("complaint.answer"))
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by: Mapped[str | None] = mapped_column(sa.String(64))
    rating: Mapped[int | None] = mapped_column()
    rated_at: Mapped[datetime | None] = mapped_column()


TABLES = ("complaints",)
