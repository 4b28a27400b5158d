"""The `bundles` section of a catalog import: the checks that need the member items (of the
file and of the database) and the upsert. Called by app/catalog/importer.py."""

from __future__ import annotations

import sqlalchemy as sa

from app.catalog import models as m
from app.catalog.bundle_models import Bundle, BundleMember
from app.catalog.bundle_rules import validate_bundle
from app.catalog.reader import Row
from app.extensions import db


def member_items(rows: list[Row]) -> dict[str, dict]:
    """{implementation code: {"form_schema", "audience"}} of every item the bundle rows name:
    an item row of the file wins over the database."""
    wanted = {mem["service_code"] for row in rows if row.section == "bundles" for mem in row.data["members"]}
    if not wanted:
        return {}
    found = {
        code: {"form_schema": schema, "audience": audience}
        for code, schema, audience in db.session.execute(
            sa.select(m.ServiceItem.implementation_code, m.ServiceItem.form_schema, m.ServiceItem.audience).where(
                m.ServiceItem.implementation_code.in_(wanted), m.ServiceItem.active.is_(True)
            )
        )
    }
    for row in rows:
        if row.section == "items" and row.key in wanted:
            found[row.key] = {"form_schema": row.data["form_schema"], "audience": row.data["audience"]}
    return found


def bundle_problems(row: Row, items: dict[str, dict]) -> list[str]:
    return validate_bundle(row.data, items)


def write_bundle(d: dict) -> bool:
    """Upsert one (validated) bundle by code, replacing its members; True when created."""
    bundle = db.session.scalar(sa.select(Bundle).where(Bundle.code == d["code"]))
    created = bundle is None
    if created:
        bundle = Bundle(code=d["code"])
        db.session.add(bundle)
    else:
        # flush the deletes first: the (bundle, service_code) unique constraint never sees both
        bundle.members.clear()
        db.session.flush()
    for key in (
        "name",
        "audience",
        "description",
        "legal_basis",
        "promised_time_limit",
        "keywords",
        "sort",
        "active",
        "questions",
        "shared_form",
    ):
        setattr(bundle, key, d[key])
    for position, mem in enumerate(d["members"]):
        bundle.members.append(
            BundleMember(
                position=position,
                service_code=mem["service_code"],
                condition=mem["when"],
                field_map=mem["field_map"],
                depends_on=mem["depends_on"],
            )
        )
    return created
