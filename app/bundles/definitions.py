"""The bundle definitions the application works from, read through the catalog (PROVISIONAL:
replaced by app.catalog's bundle functions once bundle-catalog lands)."""

from __future__ import annotations

import sqlalchemy as sa

from app.catalog import service as catalog
from app.catalog.bundle_models import Bundle
from app.errors import NotFound, ValidationFailed
from app.extensions import db


class BundleNotFound(NotFound):
    error = "BUNDLE_NOT_FOUND"
    message = "未找到该一件事"


def bundle(code: str) -> dict:
    row = db.session.scalar(sa.select(Bundle).where(Bundle.code == code, Bundle.active.is_(True)))
    if row is None:
        raise BundleNotFound()
    return {
        "code": row.code,
        "name": row.name,
        "promised_time_limit": row.promised_time_limit,
        "questions": row.questions or [],
        "shared_form": row.shared_form or {},
        "members": [
            {
                "service_code": m.service_code,
                "when": m.condition,
                "field_map": m.field_map or {},
                "depends_on": m.depends_on or [],
            }
            for m in row.members
        ],
    }


def _holds(cond, answers) -> bool:
    if cond is None:
        return True
    if "all" in cond:
        return all(_holds(c, answers) for c in cond["all"])
    if "any" in cond:
        return any(_holds(c, answers) for c in cond["any"])
    if "not" in cond:
        return not _holds(cond["not"], answers)
    values = [cond["equals"]] if "equals" in cond else cond["in"]
    return answers.get(cond["question"]) in values


def members(b: dict, answers: dict) -> list[dict]:
    errors = {}
    for q in b["questions"]:
        if q["code"] not in answers:
            errors[f"answers.{q['code']}"] = [f"{q['text']}：请选择"]
    if errors:
        raise ValidationFailed("请回答情形引导中的问题", errors=errors)
    return [m for m in b["members"] if _holds(m.get("when"), answers)]


def members_by_code(b: dict, codes: list[str]) -> list[dict]:
    by = {m["service_code"]: m for m in b["members"]}
    return [by[c] for c in codes if c in by]


def combined_form(b: dict, chosen: list[dict]) -> dict:
    shared = b["shared_form"] or {}
    props = dict(shared.get("properties") or {})
    required = list(shared.get("required") or [])
    for m in chosen:
        schema = catalog.get_service(m["service_code"])["form_schema"]
        mapped = set((m.get("field_map") or {}).keys())
        own = {k: v for k, v in (schema.get("properties") or {}).items() if k not in mapped}
        if own:
            own_required = [k for k in schema.get("required") or [] if k in own]
            props[m["service_code"]] = {"type": "object", "properties": own, "required": own_required}
            if own_required:
                required.append(m["service_code"])
    return {"type": "object", "properties": props, "required": required}


def split(b: dict, chosen: list[dict], data: dict) -> dict:
    out = {}
    for m in chosen:
        part = {f: data[s] for f, s in (m.get("field_map") or {}).items() if s in data}
        own = data.get(m["service_code"])
        if isinstance(own, dict):
            part.update(own)
        out[m["service_code"]] = part
    return out


def checklist(b: dict, chosen: list[dict]) -> list[dict]:
    merged: dict[str, dict] = {}
    for m in chosen:
        for mat in catalog.get_service(m["service_code"])["materials"]:
            code = mat["material_type"]["code"]
            entry = merged.get(code)
            if entry is None:
                merged[code] = {
                    "name": mat["name"],
                    "material_type_code": code,
                    "licence_type_code": (mat["licence_type"] or {}).get("code"),
                    "required": mat["required"],
                    "commitment_allowed": mat["commitment_allowed"],
                    "member_codes": [m["service_code"]],
                }
            else:
                entry["required"] = entry["required"] or mat["required"]
                entry["commitment_allowed"] = entry["commitment_allowed"] and mat["commitment_allowed"]
                entry["member_codes"].append(m["service_code"])
    return list(merged.values())
