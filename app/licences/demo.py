"""Demo licences for the demo residents and the demo enterprises (`flask licences seed`),
idempotent: a holder who already holds a licence of a type is skipped for that type. Rows with
`holder_uscc` are held by that enterprise (its `uscc_hash`, in its name): the enterprise wallet."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from app.catalog.models import LicenceType
from app.enterprises import public as enterprises
from app.extensions import db
from app.identity import registry
from app.identity.models import Resident
from app.licences import service
from app.licences.models import ELicence

SEED_FILE = Path(__file__).resolve().parent / "seed" / "licences.json"


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def seed_licences(path: Path = SEED_FILE) -> dict:
    """Issue the demo licences. Returns {"issued", "present", "missing_residents"} (holders,
    residents or enterprises, not in the registries are counted as missing)."""
    rows = json.loads(path.read_text(encoding="utf-8"))["licences"]
    issued = present = missing = 0
    for row in rows:
        enterprise = resident_id = None
        if "holder_uscc" in row:
            enterprise = enterprises.facts_by_uscc(row["holder_uscc"])
            digest = enterprise["uscc_hash"] if enterprise else None
        else:
            digest = registry.id_hash(registry.normalise_id_number(row["holder"]))
            resident_id = db.session.scalar(sa.select(Resident.id).where(Resident.id_hash == digest))
        if enterprise is None and resident_id is None:
            missing += 1
            continue
        exists = db.session.scalar(
            sa.select(ELicence.id)
            .join(LicenceType, LicenceType.id == ELicence.licence_type_id)
            .where(ELicence.holder_hash == digest, LicenceType.code == row["type"])
            .limit(1)
        )
        if exists is not None:
            present += 1
            continue
        holder = (
            {"uscc_hash": digest, "holder_name": enterprise["name"]} if enterprise else {"resident_id": resident_id}
        )
        (service.issue_to_enterprise if enterprise else service.issue)(
            **holder,
            licence_type_code=row["type"],
            issuer_department_code=row["issuer"],
            essentials=dict(row.get("essentials") or {}),
            valid_until=_date(row.get("valid_until")),
            issued_on=_date(row.get("issued_on")),
            source_ref="demo-seed",
        )
        issued += 1
    return {"issued": issued, "present": present, "missing_residents": missing}
