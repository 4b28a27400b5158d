"""How a bundle application is shown to its citizen: a summary for lists and the one view of the
whole — each member's status and the bundle's, the combined form with its errors per member, the
merged checklist (and the ways each material can still be met) and one merged timeline."""

from __future__ import annotations

from datetime import datetime

from app.bundles.models import BundleApplication, BundleMaterial, BundleStatus
from app.cases import bundled
from app.cases import service as cases
from app.catalog import service as catalog
from app.catalog.errors import ServiceNotFound
from app.licences import service as licences


def iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def summary(app: BundleApplication) -> dict:
    return {
        "id": app.id,
        "bundle_code": app.bundle_code,
        "bundle_name": app.bundle_name,
        "status": app.status,
        "member_count": len(app.member_codes or []),
        "created_at": iso(app.created_at),
        "updated_at": iso(app.updated_at),
        "submitted_at": iso(app.submitted_at),
    }


def _material_view(material: BundleMaterial, editable: bool, wallet: list[dict] | None) -> dict:
    from app.bundles.materials import met

    options: dict = {"upload": True, "licences": [], "commitment": None}
    if editable and material.licence_type_code and wallet:
        options["licences"] = [
            {"id": lic["id"], "name": lic["licence_type"]["name"], "holder_masked": lic.get("holder_masked")}
            for lic in wallet
            if lic["licence_type"]["code"] == material.licence_type_code and lic["status"] == "valid"
        ]
    if material.commitment_allowed:
        options["commitment"] = cases.commitment_text(material.material_type_code, material.name)
    return {
        "position": material.position,
        "name": material.name,
        "material_type_code": material.material_type_code,
        "licence_type_code": material.licence_type_code,
        "required": material.required,
        "commitment_allowed": material.commitment_allowed,
        "member_codes": list(material.member_codes or []),
        "method": material.method,
        "met": met(material),
        "licence_id": material.licence_id if material.method == "licence" else None,
        "commitment_version": material.commitment_version if material.method == "commitment" else None,
        "files": [
            {"id": f.id, "content_type": f.content_type, "size": f.size, "created_at": iso(f.created_at)}
            for f in material.files
        ],
        "options": options,
    }


def _planned_members(app: BundleApplication) -> list[dict]:
    out = []
    for code in app.member_codes or []:
        try:
            guide = catalog.get_service(code)
        except ServiceNotFound:
            guide = {"name": code, "department": {"code": "", "name": ""}}
        out.append(
            {
                "service_code": code,
                "service_name": guide["name"],
                "department_code": guide["department"]["code"],
                "department_name": guide["department"]["name"],
                "case_id": None,
                "case_number": None,
                "status": None,
                "correction_note": None,
            }
        )
    return out


def members_view(app: BundleApplication, members: list[dict]) -> list[dict]:
    depends = app.depends_on or {}
    if app.status == BundleStatus.DRAFT:
        rows = _planned_members(app)
    else:
        rows = [
            {
                "service_code": m["service_code"],
                "service_name": m["service_name"],
                "department_code": m["department_code"],
                "department_name": m["department_name"],
                "case_id": m["id"],
                "case_number": m["case_number"],
                "status": m["status"],
                "correction_note": m["correction_note"],
            }
            for m in members
        ]
    for row in rows:
        row["prerequisites"] = list(depends.get(row["service_code"], []))
    return rows


def timeline(app: BundleApplication) -> list[dict]:
    """The bundle's own steps and every member's timeline entries, in time order."""
    entries = [
        {
            "at": s.created_at,
            "order": (s.created_at, 0, s.id),
            "kind": "bundle",
            "action": s.action,
            "service_code": None,
            "service_name": None,
            "case_id": None,
            "to_status": s.status,
            "note": s.note,
        }
        for s in app.steps
    ]
    for e in bundled.bundle_timeline(app.id) if app.status != BundleStatus.DRAFT else []:
        entries.append(
            {
                "at": e["at"],
                "order": (e["at"], 1, 0),
                "kind": "member",
                "action": e["action"],
                "service_code": e["service_code"],
                "service_name": e["service_name"],
                "case_id": e["case_id"],
                "to_status": e["to_status"],
                "note": e["note"],
            }
        )
    entries.sort(key=lambda x: x.pop("order"))
    for entry in entries:
        entry["at"] = iso(entry["at"])
    return entries


def detail(app: BundleApplication) -> dict:
    from app.bundles.drafting import member_form_errors
    from app.bundles.progress import member_status

    members = bundled.bundle_members(app.id) if app.status != BundleStatus.DRAFT else []
    editable = app.status == BundleStatus.DRAFT
    wallet = None
    if editable and any(m.licence_type_code for m in app.materials):
        wallet = licences.wallet_for_account(app.account_id, enterprise_id=app.enterprise_id)
    return {
        **summary(app),
        "status": member_status(app, members),
        "promised_time_limit": app.promised_time_limit,
        "answers": app.answers,
        "members": members_view(app, members),
        "form_schema": app.form_schema or {},
        "form_data": app.form_data or {},
        "form_errors": member_form_errors(app) if editable else {},
        "materials": [_material_view(m, editable, wallet) for m in app.materials],
        "delivery_mode": app.delivery_mode,
        "fee_fen": sum(m["fee_fen"] for m in members),
        "closed_at": iso(app.closed_at),
        "timeline": timeline(app),
    }
