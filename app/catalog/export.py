"""Catalog export (`flask catalog export`): the whole catalog as one document in the import
format, JSON or CSV, so an export imports back unchanged."""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa

from app.catalog import models as m
from app.catalog.bundle_models import Bundle
from app.catalog.bundle_service import bundle_document
from app.catalog.formats import CSV_COLUMNS, CSV_JSON_KEYS, FORMAT_ID
from app.extensions import db


def export_document() -> dict:
    """The whole catalog as one document of the import format."""
    q = db.session.scalars
    doc: dict = {"format": FORMAT_ID}
    doc["departments"] = [
        {
            "code": d.code,
            "name": d.name,
            "uscc": d.uscc,
            "division_code": d.division_code,
            "division_name": d.division_name,
            "level": d.level,
            "address": d.address,
            "phone": d.phone,
            "office_hours": d.office_hours,
        }
        for d in q(sa.select(m.Department).order_by(m.Department.code))
    ]
    doc["licence_types"] = [
        {"code": t.code, "name": t.name, "issuer_level": t.issuer_level}
        for t in q(sa.select(m.LicenceType).order_by(m.LicenceType.code))
    ]
    doc["material_types"] = [
        {
            "code": t.code,
            "name": t.name,
            "synonyms": list(t.synonyms or []),
            "licence_type": t.licence_type.code if t.licence_type else None,
            "description": t.description,
        }
        for t in q(sa.select(m.MaterialType).order_by(m.MaterialType.code))
    ]
    doc["themes"] = [
        {"code": t.code, "name": t.name, "audience": t.audience, "description": t.description, "sort": t.sort}
        for t in q(sa.select(m.Theme).order_by(m.Theme.sort, m.Theme.code))
    ]
    doc["items"] = [item_document(i) for i in q(sa.select(m.ServiceItem).order_by(m.ServiceItem.implementation_code))]
    doc["bundles"] = [bundle_document(b) for b in q(sa.select(Bundle).order_by(Bundle.sort, Bundle.code))]
    return doc


def item_document(i: m.ServiceItem) -> dict:
    return {
        "basic_code": i.basic_code,
        "implementation_code": i.implementation_code,
        "name": i.name,
        "department": i.department.code,
        "type": i.item_type,
        "audience": list(i.audience),
        "level": i.level,
        "legal_basis": list(i.legal_basis),
        "scope": i.scope,
        "conditions": list(i.conditions),
        "statutory_time_limit": i.statutory_time_limit,
        "promised_time_limit": i.promised_time_limit,
        "process": list(i.process),
        "materials": [
            {
                "material_type": mat.material_type.code,
                "name": mat.name,
                "required": mat.required,
                "form": mat.form,
                "copies": mat.copies,
                "commitment_allowed": mat.commitment_allowed,
                "notes": mat.notes,
            }
            for mat in i.materials
        ],
        "form_schema": i.form_schema,
        "fees": i.fees,
        "result": i.result,
        "themes": [t.code for t in i.themes],
        "channels": {"fully_online": i.fully_online, "mobile": i.mobile},
        "visits": i.visits,
        "instant": i.instant,
        "instant_rules": list(i.instant_rules or []),
        "delivery_options": list(i.delivery_options),
        "keywords": list(i.keywords),
        "consult": i.consult,
        "supervision": i.supervision,
        "popularity": i.popularity,
    }


def write_export(out: io.TextIOBase, fmt: str = "json") -> int:
    doc = export_document()
    if fmt == "json":
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for item in doc["items"]:
            writer.writerow(_csv_row(item))
    return len(doc["items"])


def _csv_row(item: dict) -> dict:
    row = {}
    for col in CSV_COLUMNS:
        if col not in item:  # an optional key the item does not carry: an empty cell
            row[col] = ""
            continue
        value = item[col]
        if col in CSV_JSON_KEYS:
            row[col] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            row[col] = "true" if value else "false"
        else:
            row[col] = value
    return row
