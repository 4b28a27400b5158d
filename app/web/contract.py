"""Which statuses and `error` codes each operation declares in the OpenAPI document.

Most of it is derived, so a view only names what its service can refuse:

    @blp.route("/applications/<int:case_id>/submit")
    class Submit(MethodView):
        @require_level(3)                                  # 401 TOKEN_*, 403 STEP_UP_REQUIRED ...
        @blp.arguments(SubmitSchema)                       # 400 BAD_REQUEST, 413, 422 VALIDATION_ERROR
        @blp.response(200, ApplicationSchema)
        @declares(CaseNotFound, NotReady, IdempotencyKeyMissing)   # 404, 422, 428
        def post(self, body, case_id): ...                 # path id → 404 NOT_FOUND

Derived for every operation: a path parameter → 404 `NOT_FOUND`; body arguments → 400
`BAD_REQUEST` (JSON that does not parse), 413 `PAYLOAD_TOO_LARGE`, 422 `VALIDATION_ERROR`; query
arguments → 422 `VALIDATION_ERROR`; `require_level` / `require_staff` → their 401 and 403 codes
(and `x-assurance-level`, `x-fresh-face`); every operation → 500 `INTERNAL_ERROR` and 503
`DATABASE_UNAVAILABLE` (unless declared `database=False`).

Each declared status is written as a response whose schema is the error envelope, whose
description lists the codes with their Chinese message, and whose `x-error-codes` extension lists
the codes for machines.
"""

from __future__ import annotations

import http
from collections.abc import Iterable

ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}

# (status, code, message) of the errors the platform itself raises
BAD_JSON = (400, "BAD_REQUEST", "请求格式有误（JSON 无法解析）")
BAD_BODY = (400, "BAD_REQUEST", "请求格式有误（无法解析）")
NOT_FOUND = (404, "NOT_FOUND", "请求的内容不存在")
TOO_LARGE = (413, "PAYLOAD_TOO_LARGE", "提交的内容过大")
VALIDATION = (422, "VALIDATION_ERROR", "提交的信息有误，请检查后重试")
INTERNAL = (500, "INTERNAL_ERROR", "系统繁忙，请稍后再试")
DATABASE_UNAVAILABLE = (503, "DATABASE_UNAVAILABLE", "系统繁忙，请稍后再试")

CITIZEN_AUTH = [
    (401, "TOKEN_MISSING", "请先登录"),
    (401, "TOKEN_INVALID", "登录状态无效，请重新登录"),
    (401, "TOKEN_EXPIRED", "登录已过期，请重新登录"),
    (401, "SESSION_REVOKED", "登录已失效，请重新登录"),
]
STEP_UP = (403, "STEP_UP_REQUIRED", "该操作需要更高的身份认证等级")
STAFF_AUTH = [
    (401, "STAFF_TOKEN_MISSING", "请先登录"),
    (401, "STAFF_TOKEN_INVALID", "登录状态无效，请重新登录"),
    (401, "STAFF_TOKEN_EXPIRED", "登录已过期，请重新登录"),
    (401, "STAFF_SESSION_REVOKED", "登录已失效，请重新登录"),
]
STAFF_ROLE = (403, "STAFF_ROLE_REQUIRED", "您的岗位无权进行该操作")
STAFF_SCOPE = (403, "DEPARTMENT_SCOPE", "只能办理本部门的业务")

LEVEL_NAMES = {1: "anonymous channel login", 2: "logged in", 3: "real name verified", 4: "face verified"}

IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "an ETag this client holds; when it matches, the answer is 304 with no body",
}
NOT_MODIFIED = {
    "description": "Not Modified: the client's copy (its ETag) is current; no body",
    "headers": {
        "ETag": {"schema": {"type": "string"}},
        "Cache-Control": {"schema": {"type": "string"}},
    },
}

BODY_LOCATIONS = frozenset({"json", "form", "files", "json_or_form"})
HEADERS_WITH_RETRY_AFTER = {429, 503}


def _triple(error) -> tuple[int, str, str]:
    if isinstance(error, tuple):
        if len(error) == 2:
            return error[0], error[1], ""
        return error
    # a DomainError (or GatewayError) subclass
    return error.http_status, error.error, error.message


def _add(func, key: str, value) -> None:
    doc = dict(getattr(func, "_apidoc", {}))
    doc[key] = value
    func._apidoc = doc


def declares(*errors, database: bool = True):
    """Declare the errors an operation can give besides the derived ones: DomainError subclasses
    (their http_status, error and message) or `(status, "CODE", "中文")` tuples.
    `database=False`: the operation never touches the database (no 503 DATABASE_UNAVAILABLE)."""

    def decorator(func):
        existing = list(getattr(func, "_apidoc", {}).get("errors", []))
        _add(func, "errors", existing + [_triple(e) for e in errors])
        if not database:
            _add(func, "no_database", True)
        return func

    return decorator


def mark_citizen_auth(func, level: int, fresh: bool):
    _add(func, "auth", {"kind": "citizen", "level": level, "fresh": fresh})
    return func


def mark_staff_auth(func, roles: Iterable[str]):
    _add(func, "auth", {"kind": "staff", "roles": list(roles)})
    return func


def _assurance_sentence(level: int, fresh: bool) -> str:
    text = f"Requires assurance level {level} ({LEVEL_NAMES.get(level, 'level ' + str(level))})"
    if fresh:
        text += " and a face check within the last STEP_UP_MAX_AGE seconds (`x-fresh-face`)"
    return (
        text + "; a session below it gets 403 `STEP_UP_REQUIRED` whose `details.auth` names "
        "`required_level`, `current_level`, `fresh` (and `max_age` in seconds when the face check is too old)."
    )


def collect(doc_info: dict, method: str, doc: dict | None = None) -> dict[int, dict[str, str]]:
    """status → {code: message} for one operation."""
    found: dict[int, dict[str, str]] = {}

    def add(status: int, code: str, message: str = "") -> None:
        found.setdefault(status, {}).setdefault(code, message)

    auth = doc_info.get("auth")
    if auth and auth["kind"] == "citizen":
        for item in CITIZEN_AUTH:
            add(*item)
        if auth["level"] > 2 or auth["fresh"]:
            add(*STEP_UP)
    elif auth and auth["kind"] == "staff":
        for item in STAFF_AUTH:
            add(*item)
        if auth["roles"]:
            add(*STAFF_ROLE)
        if "department_code" in doc_info.get("path_args", ()):
            add(*STAFF_SCOPE)
    # flask-smorest has moved a body argument to the operation's requestBody by now
    body_types = set(((doc or {}).get("requestBody") or {}).get("content") or {})
    arguments = (doc_info.get("arguments") or {}).get("parameters") or []
    locations = {p.get("in") for p in arguments if isinstance(p, dict)}
    if body_types or locations & BODY_LOCATIONS:
        if "application/json" in body_types or locations & {"json", "json_or_form"}:
            add(*BAD_JSON)
        else:
            add(*BAD_BODY)
        add(*TOO_LARGE)
        add(*VALIDATION)
    if locations & {"query", "querystring", "headers"}:
        add(*VALIDATION)
    if doc_info.get("path_args"):
        add(*NOT_FOUND)
    for status, code, message in doc_info.get("errors", []):
        add(status, code, message)
    add(*INTERNAL)
    if not doc_info.get("no_database"):
        add(*DATABASE_UNAVAILABLE)
    return found


def error_response(status: int, codes: dict[str, str], schema_ref: dict | None = None) -> dict:
    phrase = http.HTTPStatus(status).phrase
    lines = [f"{phrase}. `error` is one of:"]
    lines += [f"- `{code}`" + (f" — {message}" if message else "") for code, message in sorted(codes.items())]
    response = {
        "description": "\n".join(lines),
        "content": {"application/json": {"schema": schema_ref or ERROR_SCHEMA_REF}},
        "x-error-codes": sorted(codes),
    }
    if status in HEADERS_WITH_RETRY_AFTER:
        response["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again (sent when the wait is known: rate limits, "
                "DATABASE_UNAVAILABLE, STORAGE_UNAVAILABLE)",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return response


def prepare_errors_doc(doc: dict, doc_info: dict, *, method: str, **kwargs) -> dict:
    """flask-smorest doc callback: write the error responses (and assurance level) of one operation."""
    responses = {str(k): v for k, v in doc.get("responses", {}).items()}
    if doc_info.get("conditional_get"):
        doc.setdefault("parameters", []).append(IF_NONE_MATCH)
        responses["304"] = NOT_MODIFIED
    for status, codes in collect(doc_info, method, doc).items():
        key = str(status)
        existing = responses.get(key)
        if isinstance(existing, dict) and "content" in existing:
            continue  # a view documented this status itself (e.g. a provider's answer)
        responses[key] = error_response(status, codes)
    doc["responses"] = dict(sorted(responses.items(), key=lambda kv: (kv[0] == "default", kv[0])))
    auth = doc_info.get("auth")
    if auth and auth["kind"] == "citizen":
        doc["x-assurance-level"] = auth["level"]
        doc["x-fresh-face"] = auth["fresh"]
        docstring = doc_info.setdefault("docstring", {})
        sentence = _assurance_sentence(auth["level"], auth["fresh"])
        description = docstring.get("description")
        docstring["description"] = f"{description}\n\n{sentence}" if description else sentence
    elif auth and auth["kind"] == "staff":
        doc["x-staff-roles"] = auth["roles"]
    return doc


# ---------------------------------------------------------------- provider callbacks

PROVIDER_TAG = {
    "name": "Provider callbacks",
    "description": (
        "Endpoints called by payment and courier providers, never by the mini-programs or the app "
        "(`x-called-by: provider`). Each verifies the provider's signature over the raw body first and "
        "answers in that provider's own format, documented per operation; a refused call changes nothing."
    ),
}


def document_provider_callback(spec, app, endpoint: str, method: str, operation: dict) -> None:
    """Add a provider-called endpoint (a plain Flask view outside flask-smorest) to the spec."""
    if not any(tag.get("name") == PROVIDER_TAG["name"] for tag in spec._tags):
        spec.tag(dict(PROVIDER_TAG))
    operation = {"tags": [PROVIDER_TAG["name"]], "x-called-by": "provider", "security": [], **operation}
    rule = next(app.url_map.iter_rules(endpoint))
    spec.path(rule=rule, operations={method: operation}, parameters=[])


def record_provider_docs(blueprint, document) -> None:
    """Run `document(spec, app)` each time `blueprint` is registered on an app (after the Api's
    init_app, after the blueprint's own rules)."""

    def _record(state):
        # the app's flask-smorest Api (app.extensions imports app.web.api, which imports this module)
        for api in state.app.extensions.get("flask-smorest", {}).get("apis", {}).values():
            spec = api["ext_obj"].spec
            if spec is not None:
                document(spec, state.app)

    blueprint.record(_record)
