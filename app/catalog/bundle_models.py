"""一件事 bundles: one application for a life event whose member items belong to several
departments. The questionnaire (情形引导), the member conditions, the combined form's field map
and the dependencies are declarative JSON documents, validated on import
(app/catalog/bundle_rules.py) and read whole."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def _now() -> datetime:
    return datetime.utcnow()


class Bundle(db.Model):
    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    audience: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[list] = mapped_column(sa.JSON, default=list)
    # working days for the whole bundle, from submission
    promised_time_limit: Mapped[int] = mapped_column()
    # [{"code", "text", "kind": "yes_no"|"choice", "options": [...]}]
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)
    # the combined form's shared fields (JSON Schema object), asked once for every member
    shared_form: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    keywords: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    sort: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)

    members: Mapped[list[BundleMember]] = relationship(
        back_populates="bundle", order_by="BundleMember.position", cascade="all, delete-orphan"
    )


class BundleMember(db.Model):
    __tablename__ = "bundle_members"
    __table_args__ = (sa.UniqueConstraint("bundle_id", "service_code", name="uq_bundle_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(sa.ForeignKey("bundles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    # the member item's implementation code
    service_code: Mapped[str] = mapped_column(sa.String(40))
    # when the member applies: a declarative condition on the answers; null = always
    condition: Mapped[dict | None] = mapped_column(sa.JSON)
    # member form field -> shared form field (asked once); unmapped member fields are the member's own
    field_map: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # service codes of members this one depends on: if one of them is denied, this one is withdrawn
    depends_on: Mapped[list] = mapped_column(sa.JSON, default=list)

    bundle: Mapped[Bundle] = relationship(back_populates="members")
