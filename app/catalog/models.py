"""Catalog tables. Guide elements that are lists or documents (process steps, conditions, the
form's JSON Schema, fee items) are JSON columns: they are read whole and never queried inside."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def served_json(doc) -> str:
    """A document as the citizen API sends it: compact JSON, UTF-8 rather than ASCII escapes."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class ServedJSON(sa.TypeDecorator):
    """A JSON column whose stored text is the document exactly as served (`served_json`), so a
    reader can send the column's text as the response body without decoding and re-encoding it
    (service.guide_text). Reading it as a value is plain JSON; the column type is JSON."""

    impl = sa.JSON
    cache_ok = True

    def bind_processor(self, dialect):
        base = self.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            from psycopg.types.json import Json

            def wrap(text: str):
                return Json(text, dumps=lambda t: t)  # psycopg sends the text as it is

        else:

            def wrap(text: str):
                return text

        def process(value):
            if value is None:
                return base(value) if base else value
            return wrap(served_json(value))

        return process


ITEM_TYPES = (
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "其他行政权力",
    "公共服务",
)
LEVELS = ("province", "city", "county")
AUDIENCES = ("individual", "legal_person")
DELIVERY_OPTIONS = ("mail", "pickup")
MATERIAL_FORMS = ("original", "copy", "electronic")
RESULT_TYPES = ("证照", "批文", "证明", "其他")


def _now() -> datetime:
    return datetime.utcnow()


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    uscc: Mapped[str | None] = mapped_column(sa.String(18))
    division_code: Mapped[str] = mapped_column(sa.String(12))
    division_name: Mapped[str] = mapped_column(sa.String(100), default="")
    level: Mapped[str] = mapped_column(sa.String(16))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    office_hours: Mapped[str] = mapped_column(sa.String(200), default="")


class LicenceType(db.Model):
    __tablename__ = "licence_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    issuer_level: Mapped[str] = mapped_column(sa.String(16), default="national")


class MaterialType(db.Model):
    __tablename__ = "material_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    synonyms: Mapped[list] = mapped_column(sa.JSON, default=list)
    licence_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("licence_types.id"))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    licence_type: Mapped[LicenceType | None] = relationship()


service_item_themes = sa.Table(
    "service_item_themes",
    db.metadata,
    sa.Column("service_item_id", sa.ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    audience: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    sort: Mapped[int] = mapped_column(default=0)


class ServiceItem(db.Model):
    """A service item (事项) with its guide (办事指南)."""

    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    basic_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    implementation_code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    item_type: Mapped[str] = mapped_column(sa.String(16))
    audience: Mapped[list] = mapped_column(sa.JSON)
    level: Mapped[str] = mapped_column(sa.String(16))
    legal_basis: Mapped[list] = mapped_column(sa.JSON, default=list)
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    conditions: Mapped[list] = mapped_column(sa.JSON, default=list)
    statutory_time_limit: Mapped[int] = mapped_column()
    promised_time_limit: Mapped[int] = mapped_column()
    process: Mapped[list] = mapped_column(sa.JSON, default=list)
    form_schema: Mapped[dict] = mapped_column(sa.JSON)
    fees: Mapped[dict] = mapped_column(sa.JSON)
    # The least an application is charged, in fen, and whether the amount depends on the
    # application (alternative standards, per-unit lines): app/catalog/fees.py, for the list.
    fee_from_fen: Mapped[int] = mapped_column(default=0)
    fee_varies: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    result: Mapped[dict] = mapped_column(sa.JSON)
    result_licence_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("licence_types.id"))
    fully_online: Mapped[bool] = mapped_column(default=False)
    mobile: Mapped[bool] = mapped_column(default=False)
    visits: Mapped[int] = mapped_column(default=1)
    instant: Mapped[bool] = mapped_column(default=False)
    # declarative instant-approval rules (app/catalog/instant_rules.py); None: the defaults
    instant_rules: Mapped[list | None] = mapped_column(sa.JSON)
    delivery_options: Mapped[list] = mapped_column(sa.JSON)
    keywords: Mapped[list] = mapped_column(sa.JSON, default=list)
    consult: Mapped[str] = mapped_column(sa.Text, default="")
    supervision: Mapped[str] = mapped_column(sa.Text, default="")
    popularity: Mapped[int] = mapped_column(default=0)
    # Search readings computed at write time (pinyin conversion is too slow for every index load).
    search_pinyin: Mapped[str] = mapped_column(sa.Text, default="")
    search_initials: Mapped[str] = mapped_column(sa.Text, default="")
    keywords_pinyin: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # The served guide document (app/catalog/guide.py), rebuilt whenever the item or anything it
    # refers to is written. Stored as served (ServedJSON): the detail endpoint sends its text.
    guide: Mapped[dict | None] = mapped_column(ServedJSON)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)

    department: Mapped[Department] = relationship()
    result_licence_type: Mapped[LicenceType | None] = relationship()
    materials: Mapped[list[ServiceMaterial]] = relationship(
        back_populates="item",
        order_by="ServiceMaterial.position",
        cascade="all, delete-orphan",
    )
    themes: Mapped[list[Theme]] = relationship(secondary=service_item_themes, order_by="Theme.sort")


class ServiceMaterial(db.Model):
    """A material an item requires, as its guide names it, pointing at the standard material."""

    __tablename__ = "service_materials"
    __table_args__ = (sa.UniqueConstraint("service_item_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_item_id: Mapped[int] = mapped_column(sa.ForeignKey("service_items.id", ondelete="CASCADE"), index=True)
    material_type_id: Mapped[int] = mapped_column(sa.ForeignKey("material_types.id"), index=True)
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(200))
    required: Mapped[bool] = mapped_column(default=True)
    form: Mapped[str] = mapped_column(sa.String(16), default="original")
    copies: Mapped[int] = mapped_column(default=1)
    commitment_allowed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    item: Mapped[ServiceItem] = relationship(back_populates="materials")
    material_type: Mapped[MaterialType] = relationship()


class CatalogState(db.Model):
    """One row: the catalog revision, bumped by every write so processes know to reload."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=_now)
