"""The one form and the one material checklist of a bundle, built from the members that apply.
Pure functions; a member here is the member view of app/catalog/bundle_service.py (the bundle
member joined with its item's guide: service_code, name, department, form_schema, materials …).

The combined form (a JSON Schema object):

    {
      "<shared field>": …,              each shared field some applying member maps, asked once
      "members": {                      present when an applying member has fields of its own
        "<service_code>": {             that member's unmapped fields, asked only when it applies
          "<member field>": …
        }
      }
    }

A shared field is required when the bundle's shared form requires it or an applying member's
form requires a field mapped to it. split_form turns the filled combined form back into each
member's own form data (shared values under the member's field names plus its own fields);
each member's data is then checked against the member's own form (app/catalog/service.py
validate_form) when the member case is created.
"""

from __future__ import annotations

from collections.abc import Mapping

_FORM_STRICTNESS = {"original": 3, "copy": 2, "electronic": 1}


def combined_form(bundle: Mapping, members: list[Mapping]) -> dict:
    """The JSON Schema of the one form for these (applying) members of the bundle."""
    shared_form = bundle.get("shared_form") or {}
    shared_props = shared_form.get("properties") or {}
    shared_required = set(shared_form.get("required") or [])
    used: dict[str, bool] = {}  # shared field -> required
    own_schemas: dict[str, dict] = {}
    for m in members:
        schema = m.get("form_schema") or {}
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        field_map = m.get("field_map") or {}
        for field, target in field_map.items():
            used[target] = used.get(target, False) or field in required or target in shared_required
        own = {name: prop for name, prop in props.items() if name not in field_map}
        if own:
            own_schemas[m["service_code"]] = {
                "type": "object",
                "title": m.get("name") or m["service_code"],
                "properties": own,
                "required": [name for name in schema.get("required") or [] if name in own],
                "additionalProperties": False,
            }
    properties: dict = {name: shared_props[name] for name in shared_props if name in used}
    required = [name for name in properties if used[name]]
    if own_schemas:
        properties["members"] = {
            "type": "object",
            "title": "各事项的专有信息",
            "properties": own_schemas,
            "required": [code for code, s in own_schemas.items() if s["required"]],
            "additionalProperties": False,
        }
        if properties["members"]["required"]:
            required.append("members")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "title": f"{bundle.get('name', '')}联办申请表",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def split_form(bundle: Mapping, members: list[Mapping], data: Mapping) -> dict[str, dict]:
    """{service_code: that member's form data} from the filled combined form."""
    own_all = data.get("members") if isinstance(data.get("members"), Mapping) else {}
    out: dict[str, dict] = {}
    for m in members:
        form: dict = {}
        for field, target in (m.get("field_map") or {}).items():
            if target in data:
                form[field] = data[target]
        own = own_all.get(m["service_code"])
        if isinstance(own, Mapping):
            form.update(own)
        out[m["service_code"]] = form
    return out


def merged_materials(members: list[Mapping]) -> list[dict]:
    """The one checklist: the members' materials merged by standard material type.

    The n-th material of a type in one member merges with the n-th of the same type in the
    others (a guide naming the 居民身份证 of two people keeps two entries: key "M-SFZ" and
    "M-SFZ#2"). An entry is required when any member requires it; a commitment (告知承诺) may
    replace it only when every member listing it allows one; the strictest form and the most
    copies asked win. `sources` say which material of which member each entry meets."""
    merged: dict[str, dict] = {}
    for m in members:
        seen: dict[str, int] = {}
        for mat in m.get("materials") or []:
            type_code = mat["material_type"]["code"]
            seen[type_code] = seen.get(type_code, 0) + 1
            key = type_code if seen[type_code] == 1 else f"{type_code}#{seen[type_code]}"
            entry = merged.get(key)
            source = {
                "service_code": m["service_code"],
                "position": mat["position"],
                "name": mat["name"],
                "required": mat["required"],
                "commitment_allowed": mat["commitment_allowed"],
            }
            if entry is None:
                merged[key] = {
                    "key": key,
                    "material_type": mat["material_type"],
                    "licence_type": mat.get("licence_type"),
                    "name": mat["name"],
                    "names": [mat["name"]],
                    "required": mat["required"],
                    "commitment_allowed": mat["commitment_allowed"],
                    "form": mat["form"],
                    "copies": mat["copies"],
                    "members": [m["service_code"]],
                    "sources": [source],
                }
                continue
            entry["required"] = entry["required"] or mat["required"]
            entry["commitment_allowed"] = entry["commitment_allowed"] and mat["commitment_allowed"]
            if _FORM_STRICTNESS.get(mat["form"], 0) > _FORM_STRICTNESS.get(entry["form"], 0):
                entry["form"] = mat["form"]
            entry["copies"] = max(entry["copies"], mat["copies"])
            if mat["name"] not in entry["names"]:
                entry["names"].append(mat["name"])
            if m["service_code"] not in entry["members"]:
                entry["members"].append(m["service_code"])
            entry["sources"].append(source)
    # required first, then in the order first met
    return sorted(merged.values(), key=lambda e: not e["required"])


def materials_saved(members: list[Mapping], checklist: list[Mapping]) -> int:
    """How many material submissions the merged checklist saves (asked once instead of n times)."""
    return sum(len(m.get("materials") or []) for m in members) - len(checklist)
