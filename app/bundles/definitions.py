"""The bundle definitions an application works from, through the catalog's bundle functions
(app.catalog.service: the bundle document, the members that apply, the combined form and its
split, the merged checklist). Thin adapters: the shapes app/bundles stores."""

from __future__ import annotations

from app.catalog import service as catalog
from app.catalog.errors import FormInvalid


def bundle(code: str) -> dict:
    """The active bundle's document (BundleNotFound otherwise)."""
    return catalog.get_bundle_definition(code)


def members(doc: dict, answers: dict) -> list[dict]:
    """The member views that apply on the answers (AnswersInvalid: `answers.<code>`)."""
    return catalog.applicable_members(doc, answers)


def members_by_code(doc: dict, codes: list[str]) -> list[dict]:
    """The member views of these service codes, in the bundle's order."""
    chosen = [m for m in doc["members"] if m["service_code"] in set(codes)]
    return catalog.member_views(doc, chosen)


def combined_form(doc: dict, views: list[dict]) -> dict:
    return catalog.combined_form(doc, views)


def split(doc: dict, views: list[dict], data: dict) -> dict[str, dict]:
    return catalog.split_form(doc, views, data)


def form_errors(doc: dict, views: list[dict], data: dict) -> dict[str, list[str]]:
    """Field errors of the combined form, each member's part checked against its own form
    (paths of the combined form: `<shared field>`, `members.<service code>.<field>`)."""
    try:
        catalog.validate_combined(doc, views, data)
    except FormInvalid as exc:
        return exc.errors
    return {}


def checklist(doc: dict, views: list[dict]) -> list[dict]:
    """The one merged checklist, as app/bundles stores it; `sources` name each member material met."""
    return [
        {
            "key": entry["key"],
            "name": entry["name"],
            "material_type_code": entry["material_type"]["code"],
            "licence_type_code": (entry.get("licence_type") or {}).get("code"),
            "required": entry["required"],
            "commitment_allowed": entry["commitment_allowed"],
            "member_codes": list(entry["members"]),
            "sources": [(s["service_code"], s["position"]) for s in entry["sources"]],
        }
        for entry in catalog.merged_materials(views)
    ]
