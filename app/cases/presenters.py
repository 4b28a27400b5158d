"""How cases are shown to their citizen: summaries for lists, the full detail with the
materials checklist (and the ways each material can still be met) and the timeline."""

from __future__ import annotations

from datetime import datetime

from app.cases.commitments import commitment_for
from app.cases.models import Case, CaseMaterial
from app.cases.states import EDITABLE, CaseStatus
from app.catalog import service as catalog


def met(material: CaseMaterial) -> bool:
    """Whether the material is provided in the way the citizen chose."""
    if material.method == "licence":
        return material.authorisation_id is not None
    if material.method == "commitment":
        return material.commitment_version is not None
    if material.method == "upload":
        return bool(material.files)
    return False


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def _material_view(material: CaseMaterial, wallet: list[dict] | None) -> dict:
    editable = material.case.status in EDITABLE
    options: dict = {"upload": True, "licences": [], "commitment": None}
    if editable and material.licence_type_code and wallet:
        options["licences"] = [
            {"id": lic["id"], "name": lic["licence_type"]["name"], "holder_masked": lic.get("holder_masked")}
            for lic in wallet
            if lic["licence_type"]["code"] == material.licence_type_code and lic["status"] == "valid"
        ]
    if material.commitment_allowed:
        options["commitment"] = commitment_for(material.material_type_code, material.name)
    return {
        "position": material.position,
        "name": material.name,
        "material_type_code": material.material_type_code,
        "licence_type_code": material.licence_type_code,
        "required": material.required,
        "commitment_allowed": material.commitment_allowed,
        "method": material.method,
        "met": met(material),
        "needs_correction": material.needs_correction,
        "licence_id": material.licence_id if material.method == "licence" else None,
        "commitment_version": material.commitment_version if material.method == "commitment" else None,
        "commitment_accepted_at": _iso(material.commitment_accepted_at) if material.method == "commitment" else None,
        "files": [
            {"id": f.id, "content_type": f.content_type, "size": f.size, "created_at": _iso(f.created_at)}
            for f in material.files
        ],
        "options": options,
    }


def summary(case: Case) -> dict:
    return {
        "id": case.id,
        "status": case.status,
        "case_number": case.case_number,
        "service_code": case.service_code,
        "service_name": case.service_name,
        "department_name": case.department_name,
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "submitted_at": _iso(case.submitted_at),
        "enterprise_id": case.enterprise_id,
    }


def detail(case: Case, *, wallet: list[dict] | None = None) -> dict:
    schema = case.form_schema
    return {
        **summary(case),
        "department_code": case.department_code,
        "required_level": case.required_level,
        "fee_fen": case.fee_fen,
        "form_schema": schema,
        "form_data": case.form_data or {},
        "form_errors": catalog.form_errors(schema, case.form_data or {}),
        "materials": [_material_view(m, wallet) for m in case.materials],
        "correction_note": case.correction_note if case.status == CaseStatus.CORRECTION_REQUESTED else None,
        "timeline": [
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "at": _iso(e.created_at),
            }
            for e in case.timeline
        ],
    }
