"""Bundle application tables (一件事一次办): one application for a life event whose member items
belong to several departments.

Before submit the application holds the citizen's answers, the members that apply, the one
combined form and the one material checklist (each material met once, for every member needing
it). Submit creates one case per member (cases.bundle_application_id) in the same transaction;
from then on the members' own cases are the truth and the application's status is derived from
them (app/bundles/progress.py). Timestamps are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedJSON
from app.extensions import db

FORM_DATA_CONTEXT = "bundle_application.form_data"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class BundleStatus:
    """The application's status: `draft` until submitted; then `in_progress`,
    `correction_needed` (a member waits for the citizen), `concluded` (every member closed) or
    `withdrawn` (the citizen withdrew the bundle)."""

    DRAFT = "draft"
    IN_PROGRESS = "in_progress"
    CORRECTION_NEEDED = "correction_needed"
    CONCLUDED = "concluded"
    WITHDRAWN = "withdrawn"
    ALL = (DRAFT, IN_PROGRESS, CORRECTION_NEEDED, CONCLUDED, WITHDRAWN)


class DeliveryMode:
    TOGETHER = "together"  # one parcel when every result is ready
    EACH = "each"  # each result as it comes
    ALL = (TOGETHER, EACH)


class BundleApplication(db.Model):
    __tablename__ = "bundle_applications"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "submit_key", name="uq_bundle_app_submit_key"),
        sa.Index("ix_bundle_apps_account_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    # the enterprise the bundle is applied for (null: the person's own), like cases.enterprise_id
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    bundle_code: Mapped[str] = mapped_column(sa.String(40))
    bundle_name: Mapped[str] = mapped_column(sa.String(100))
    # working days for the whole bundle, copied when the application starts
    promised_time_limit: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(24), default=BundleStatus.DRAFT)
    # {question code: answer}; null until answered
    answers: Mapped[dict | None] = mapped_column(sa.JSON)
    # the applicable members' service codes, in the bundle's order (set from the answers)
    member_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    # {service code: [service codes it depends on]} of the applicable members
    depends_on: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # the combined form's schema for these members, and what the citizen typed (one ciphertext)
    form_schema: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    form_data: Mapped[dict] = mapped_column(EncryptedJSON(FORM_DATA_CONTEXT), default=dict)
    delivery_mode: Mapped[str] = mapped_column(sa.String(16), default=DeliveryMode.TOGETHER)
    submit_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # when the citizen was last told the idle draft will expire (app/bundles/retention.py)
    expiry_warned_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    materials: Mapped[list[BundleMaterial]] = relationship(
        back_populates="application", order_by="BundleMaterial.position", cascade="all, delete-orphan"
    )
    steps: Mapped[list[BundleStep]] = relationship(order_by="BundleStep.id", cascade="all, delete-orphan")


class BundleMaterial(db.Model):
    """One material of the merged checklist (by standard material type) and how the citizen meets
    it, once for every member in `member_codes`: `method` None, "licence", "commitment", "upload"."""

    __tablename__ = "bundle_materials"
    __table_args__ = (sa.UniqueConstraint("application_id", "position", name="uq_bundle_material_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("bundle_applications.id"))
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(200))
    # the merged entry's key: the material type, "#2" … for a second material of the same type
    material_key: Mapped[str] = mapped_column(sa.String(40))
    material_type_code: Mapped[str] = mapped_column(sa.String(32))
    licence_type_code: Mapped[str | None] = mapped_column(sa.String(32))
    required: Mapped[bool] = mapped_column()
    commitment_allowed: Mapped[bool] = mapped_column()
    member_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    method: Mapped[str | None] = mapped_column(sa.String(16))
    licence_id: Mapped[int | None] = mapped_column()
    authorisation_id: Mapped[int | None] = mapped_column()
    commitment_version: Mapped[str | None] = mapped_column(sa.String(64))
    commitment_accepted_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    application: Mapped[BundleApplication] = relationship(back_populates="materials")
    files: Mapped[list[BundleFile]] = relationship(order_by="BundleFile.id", cascade="all, delete-orphan")


class BundleFile(db.Model):
    """A file uploaded once for a bundle material; copied to each member case's material on submit."""

    __tablename__ = "bundle_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("bundle_materials.id"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BundleStep(db.Model):
    """A step of the whole bundle (submitted, correction needed, member denied, all concluded,
    withdrawn …) on its timeline; each one is one progress message to the citizen. Unique per
    (application, key): a step recorded twice (a redelivered event) is written once."""

    __tablename__ = "bundle_steps"
    __table_args__ = (sa.UniqueConstraint("application_id", "step_key", name="uq_bundle_step_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("bundle_applications.id"), index=True)
    step_key: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(24))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    actor: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


TABLES = ("bundle_steps", "bundle_files", "bundle_materials", "bundle_applications")
