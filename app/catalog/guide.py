"""The guide document of each item, built when the catalog is written and stored with the item,
so serving a guide is one indexed lookup instead of a walk over six tables."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.catalog import models as m
from app.catalog.fees import guide_fees
from app.catalog.instant_rules import effective_rules
from app.extensions import db

BATCH = 500


def load_items(ids: list[int]) -> list[m.ServiceItem]:
    return list(
        db.session.scalars(
            sa.select(m.ServiceItem)
            .where(m.ServiceItem.id.in_(ids))
            .order_by(m.ServiceItem.id)
            .options(
                selectinload(m.ServiceItem.materials)
                .selectinload(m.ServiceMaterial.material_type)
                .selectinload(m.MaterialType.licence_type),
                selectinload(m.ServiceItem.themes),
                selectinload(m.ServiceItem.department),
                selectinload(m.ServiceItem.result_licence_type),
            )
        )
    )


def refresh_guides(item_ids: Iterable[int] | None = None) -> int:
    """Rebuild the stored guides of `item_ids` (every item when None); returns how many."""
    ids = list(item_ids) if item_ids is not None else list(db.session.scalars(sa.select(m.ServiceItem.id)))
    for start in range(0, len(ids), BATCH):
        for item in load_items(ids[start : start + BATCH]):
            item.guide = build_guide(item)
        db.session.flush()
    return len(ids)


def _licence(lt: m.LicenceType | None) -> dict | None:
    return {"code": lt.code, "name": lt.name} if lt else None


def build_guide(i: m.ServiceItem) -> dict:
    """The guide document of one item (its 12 standard elements and the rest), as served."""
    d = i.department
    return {
        "code": i.implementation_code,
        "basic_code": i.basic_code,
        "name": i.name,
        "department": {
            "code": d.code,
            "name": d.name,
            "level": d.level,
            "division_code": d.division_code,
            "division_name": d.division_name,
            "address": d.address,
            "phone": d.phone,
            "office_hours": d.office_hours,
        },
        "type": i.item_type,
        "audience": list(i.audience),
        "level": i.level,
        "legal_basis": list(i.legal_basis),
        "scope": i.scope,
        "conditions": list(i.conditions),
        "time_limit": {"statutory_days": i.statutory_time_limit, "promised_days": i.promised_time_limit},
        "process": list(i.process),
        "materials": [
            {
                "position": mat.position,
                "name": mat.name,
                "material_type": {
                    "code": mat.material_type.code,
                    "name": mat.material_type.name,
                    "synonyms": list(mat.material_type.synonyms or []),
                },
                "licence_type": _licence(mat.material_type.licence_type),
                "required": mat.required,
                "form": mat.form,
                "copies": mat.copies,
                "commitment_allowed": mat.commitment_allowed,
                "notes": mat.notes,
            }
            for mat in i.materials
        ],
        "form_schema": i.form_schema,
        "fees": guide_fees(i.fees, i.form_schema),
        "result": {
            "type": i.result.get("type"),
            "name": i.result.get("name"),
            "licence_type": _licence(i.result_licence_type),
        },
        "themes": [{"code": t.code, "name": t.name} for t in i.themes],
        "channels": {"fully_online": i.fully_online, "mobile": i.mobile},
        "visits": i.visits,
        "instant": i.instant,
        "instant_rules": effective_rules(i.instant, i.instant_rules),
        "delivery_options": list(i.delivery_options),
        "keywords": list(i.keywords),
        "consult": i.consult,
        "supervision": i.supervision,
        "popularity": i.popularity,
        "updated_at": i.updated_at.isoformat() + "Z",
    }
