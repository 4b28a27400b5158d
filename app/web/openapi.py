"""The OpenAPI document as a contract front-end teams generate clients from (architecture.md, point 15).

`install(api, app)` runs once in the factory after every blueprint is registered. It gives

- **operationIds**: `OPERATION_IDS[(endpoint, method)]` (app/web/openapi_ids.py) where set, else derived by one rule —
  `staff` prefix for the staff blueprints, a verb from the method (`list` for a GET answering a
  page/list, `get`, `create`, `set` for PUT, `update` for PATCH, `delete`) and the view class name:
  `staff_cases.WorkQueue` GET → `staffListWorkQueue`. The table overrides names that read badly;
  ids are unique (checked here) and never change once published.
- **servers**: one relative server (`/`), or `OPENAPI_SERVER_URL` from the configuration.
- **tag order**: the citizen API first, then the staff API, then provider callbacks, then health.
- **required** on response schemas: every property of a schema reached only from responses is
  always present, unless its marshmallow field says `metadata={"x-optional": True}` (a key the
  answer may leave out). The error envelopes (app/web/api.py) declare their own. Nullable fields are `allow_none=True` → `type: [X, "null"]`.
- **binary responses**: a non-JSON media type with no schema is `type: string, format: binary`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from app.web.openapi_examples import REQUEST_EXAMPLES
from app.web.openapi_ids import OPERATION_IDS
from app.web.openapi_rules import IDEMPOTENCY_KEY, SCHEMA_RULES

TIME_CONVENTION = (
    "**Times.** Every instant (`format: date-time`) is RFC 3339 / ISO 8601 with an offset: "
    "timestamps the platform records are UTC with `Z` (`2026-03-02T01:30:00Z`); times of a hall's "
    "day (an appointment's cancellation deadline) and courier scan times carry Beijing time `+08:00`; "
    "slot `starts`/`ends` are `HH:MM` Beijing time. "
    "Calendar days (`format: date`, e.g. due dates, licence validity) are days in Asia/Shanghai."
)

UNITS = (
    "**Units.** Money is in fen (分, integer; 2000 = ¥20.00). Time limits and `working_days_left` "
    "are working days of the platform's calendar. `expires_in`, `resend_after` and `retry_after` "
    "are seconds."
)

DESCRIPTION = f"""掌上办 — the citizen API (WeChat / Alipay mini-programs, mobile app; `/api/v1`), the core
platform's staff API for hall windows and department officers (`/staff/api/v1`) and the provider
callbacks (`/payments/notify/*`, `/delivery/notify/*`, called by WeChat Pay, Alipay and SF Express).

{TIME_CONVENTION}

{UNITS}

**Generating a client.** `openapi-python-client generate --url <host>/openapi.json
--config openapi-python-client.yaml` (the config at the repository root maps the PNG/SVG
responses to binary downloads). Every operation has a stable `operationId`.
"""

# Citizen API first (its users are the front-end teams), then staff, then callbacks, then health.
CITIZEN_TAGS = (
    "catalog",
    "auth",
    "identity",
    "licences",
    "applications",
    "payments",
    "delivery",
    "notifications",
    "appointments",
    "complaints",
    "evaluations",
    "stats",
)
CALLBACK_TAGS = ("Provider callbacks", "provider_callbacks")
LAST_TAGS = ("health",)


# Declared by their owners (the error envelope: app/web/api.py; flask-smorest's own).
NOT_MARKED = frozenset({"ErrorEnvelope", "PaginationMetadata"})

_VERBS = {"get": "get", "post": "create", "put": "set", "patch": "update", "delete": "delete"}
_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_SCHEMA_REF = "#/components/schemas/"


def install(api, app) -> None:
    """Finish the spec of `api` (after every blueprint is registered)."""
    spec = api.spec
    server = app.config.get("OPENAPI_SERVER_URL") or "/"
    spec.options["servers"] = [{"url": server, "description": "this deployment"}]
    spec.options.setdefault("info", {})["description"] = DESCRIPTION
    to_dict = spec.to_dict

    def finished_to_dict() -> dict:
        # a copy: apispec hands out its own component dicts, and finishing edits the document
        return finish(copy.deepcopy(to_dict()), app)

    spec.to_dict = finished_to_dict


def finish(doc: dict, app) -> dict:
    """Post-process the generated document (pure on the dict; idempotent)."""
    _order_tags_and_paths(doc)
    _operation_ids(doc, app)
    _binary_responses(doc)
    _required_on_responses(doc)
    _request_rules(doc)
    _nullable_enums(doc)
    return doc


def _nullable_enums(doc: dict) -> None:
    """`type: [string, null]` + `enum: [..., null]` → `anyOf: [{enum}, {type: null}]`: the same
    values, and generators make one enum class and `X | None` of it (not three odd types)."""
    for schema in doc.get("components", {}).get("schemas", {}).values():
        for name, prop in list((schema.get("properties") or {}).items()):
            kinds = prop.get("type")
            if not (isinstance(kinds, list) and "null" in kinds and "enum" in prop):
                continue
            base = [k for k in kinds if k != "null"]
            values = [v for v in prop["enum"] if v is not None]
            rest = {k: v for k, v in prop.items() if k not in ("type", "enum")}
            schema["properties"][name] = {
                **rest,
                "anyOf": [
                    {
                        "title": _camel("_" + name),
                        "type": base[0] if len(base) == 1 else base,
                        "enum": values,
                    },
                    {"type": "null"},
                ],
            }


# ---------------------------------------------------------------- request bodies


def _request_rules(doc: dict) -> None:
    """Examples on every request body, one-of shapes, the Idempotency-Key header's rule."""
    schemas = doc.get("components", {}).get("schemas", {})
    for name, extra in SCHEMA_RULES.items():
        if name in schemas:
            schemas[name].update(extra)
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            example = REQUEST_EXAMPLES.get(operation.get("operationId", ""))
            for body in (operation.get("requestBody") or {}).get("content", {}).values():
                if example is not None:
                    body.setdefault("example", example)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key":
                    parameter["schema"] = dict(IDEMPOTENCY_KEY)
                    parameter["description"] = IDEMPOTENCY_KEY["description"]


# ---------------------------------------------------------------- tags and paths


def _tag_rank(name: str) -> tuple[int, int]:
    if name in CITIZEN_TAGS:
        return (0, CITIZEN_TAGS.index(name))
    if name in CALLBACK_TAGS:
        return (2, 0)
    if name in LAST_TAGS:
        return (3, 0)
    if name.startswith("staff"):
        return (1, 0)
    return (0, len(CITIZEN_TAGS))


def _order_tags_and_paths(doc: dict) -> None:
    tags = doc.get("tags") or []
    doc["tags"] = sorted(tags, key=lambda t: _tag_rank(t["name"]))  # stable within a group

    def path_rank(item):
        operations = [op for m, op in item[1].items() if m in _HTTP_METHODS]
        first_tag = (operations[0].get("tags") or [""])[0] if operations else ""
        return _tag_rank(first_tag)

    doc["paths"] = dict(sorted(doc.get("paths", {}).items(), key=path_rank))


# ---------------------------------------------------------------- operationIds


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _camel(name: str) -> str:
    parts = re.split(r"[_\-]", name)
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def derived_operation_id(endpoint: str, method: str, operation: dict) -> str:
    blueprint, _, view = endpoint.partition(".")
    view = view[:1].upper() + _camel(view)[1:]
    verb = _VERBS[method]
    if method == "get" and _answers_a_list(operation):
        verb = "list"
    name = verb + view
    return "staff" + name[:1].upper() + name[1:] if blueprint.startswith("staff") else name


def _answers_a_list(operation: dict) -> bool:
    ok = operation.get("responses", {}).get("200", {})
    schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("type") == "array" or schema.get("$ref", "").endswith("Page") or "List" in schema.get("$ref", "")


def operation_endpoints(app) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) → Flask endpoint, for every route."""
    found = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            found[(_openapi_path(rule.rule), method.lower())] = rule.endpoint
    return found


def _operation_ids(doc: dict, app) -> None:
    endpoints = operation_endpoints(app)
    seen: dict[str, tuple[str, str]] = {}
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            endpoint = endpoints.get((path, method))
            if endpoint is None:
                continue
            op_id = OPERATION_IDS.get((endpoint, method)) or derived_operation_id(endpoint, method, operation)
            if op_id in seen:
                raise RuntimeError(f"operationId {op_id} of {method} {path} already names {seen[op_id]}")
            seen[op_id] = (method, path)
            operation["operationId"] = op_id


# ---------------------------------------------------------------- binary responses


def _binary_responses(doc: dict) -> None:
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            for response in operation.get("responses", {}).values():
                for media, body in (response.get("content") or {}).items():
                    if not body.get("schema") and "json" not in media:
                        text = media.startswith("text/")
                        body["schema"] = {"type": "string"} if text else {"type": "string", "format": "binary"}


# ---------------------------------------------------------------- required on responses


def _refs(node: Any) -> set[str]:
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
                found.add(ref.removeprefix(_SCHEMA_REF))
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(node)
    return found


def _closure(names: set[str], schemas: dict) -> set[str]:
    todo, done = list(names), set()
    while todo:
        name = todo.pop()
        if name in done or name not in schemas:
            continue
        done.add(name)
        todo.extend(_refs(schemas[name]) - done)
    return done


def _split_refs(doc: dict) -> tuple[set[str], set[str]]:
    """Schema names reached from responses, and from request bodies and parameters."""
    out_roots: set[str] = set()
    in_roots: set[str] = set()
    components = doc.get("components", {})
    for item in doc.get("paths", {}).values():
        in_roots |= _refs(item.get("parameters", []))
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            out_roots |= _refs(operation.get("responses", {}))
            in_roots |= _refs(operation.get("requestBody", {})) | _refs(operation.get("parameters", []))
    out_roots |= _refs(components.get("responses", {}))
    in_roots |= _refs(components.get("requestBodies", {})) | _refs(components.get("parameters", {}))
    schemas = components.get("schemas", {})
    return _closure(out_roots, schemas), _closure(in_roots, schemas)


def _strip_marker(schema: dict, visit: Callable[[str, dict], None]) -> None:
    for name, prop in (schema.get("properties") or {}).items():
        visit(name, prop)


def _required_on_responses(doc: dict) -> None:
    schemas = doc.get("components", {}).get("schemas", {})
    responses_only, requests = _split_refs(doc)
    for name, schema in schemas.items():
        optional: set[str] = set()

        def visit(prop_name: str, prop: dict, optional=optional) -> None:
            if prop.pop("x-optional", False):
                optional.add(prop_name)

        _strip_marker(schema, visit)
        properties = schema.get("properties") or {}
        envelope = "error" in properties and "request_id" in properties  # app/web/api.py declares those
        if name not in responses_only or name in requests or name in NOT_MARKED or envelope:
            continue
        required = list(schema.get("required", []))
        required += [p for p in properties if p not in optional and p not in required]
        if required:
            schema["required"] = required
