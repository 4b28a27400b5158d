"""The rating of one case (好差评) and, for a bad one, its follow-up by the department.

One row per case (unique `case_id`): a rating is never changed or repeated. Timestamps are naive
UTC; `followup_due` is a China date (working days under the holiday calendar).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.models import utcnow
from app.crypto import EncryptedText
from app.extensions import db


class FollowupStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the department's reply
    REPLIED = "replied"  # answered; the citizen may say whether it resolved the matter
    CLOSED = "closed"  # the citizen said resolved or not


class Evaluation(db.Model):
    __tablename__ = "evaluations"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        # the figures' ratings not yet settled (app/stats/rollup.py `unsettled`)
        sa.Index(
            "ix_evaluations_followup_due",
            "followup_due",
            postgresql_where=sa.text("followup_due IS NOT NULL"),
            sqlite_where=sa.text("followup_due IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    department_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    service_code: Mapped[str] = mapped_column(sa.String(64))
    # 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意
    score: Mapped[int] = mapped_column()
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # free texts, ciphertexts (app.crypto); bounded by the API schemas (comment 500, reply 1000)
    comment: Mapped[str | None] = mapped_column(EncryptedText("evaluation.comment"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    followup_status: Mapped[str | None] = mapped_column(sa.String(16))
    followup_due: Mapped[date | None] = mapped_column(sa.Date)
    reply: Mapped[str | None] = mapped_column(EncryptedText("evaluation.reply"))
    replied_at: Mapped[datetime | None] = mapped_column()
    replied_by: Mapped[str | None] = mapped_column(sa.String(64))
    resolved: Mapped[bool | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()


TABLES = ("evaluations",)
