"""The error contract: every error the API gives is declared by its operation, validates against
the declared response, carries one of the declared `error` codes, and speaks Chinese in the one
flat `errors` shape. Each request below goes through a ContractClient (tests/web/contract_check.py)."""

from __future__ import annotations

import re

import pytest

from tests.cases.helpers import APPS, HUJI, citizen, create_draft
from tests.identity.helpers import bearer, sms_login
from tests.staff_api.conftest import _clean  # noqa: F401 - autouse: clean rows around each test
from tests.staff_api.helpers import BASE, staff_token
from tests.web.contract_check import ContractClient, SpecChecker

CJK = re.compile(r"[\u3400-\u9fff]")
MAX_ID = 2**31 - 1  # the id columns are INTEGER


@pytest.fixture(scope="module")
def checker(sandbox_app):
    return SpecChecker(sandbox_app)


@pytest.fixture
def identity_app(sandbox_app):
    """The app with the provider sandbox configured (tests/sandbox_fixtures.py)."""
    return sandbox_app


@pytest.fixture
def api(identity_app, checker):
    return ContractClient(identity_app, checker)


def error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.get_json()
    body = resp.get_json()
    assert body["error"] == code, body
    assert CJK.search(body["message"]), body
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", body["request_id"])
    assert resp.headers["X-Request-ID"] == body["request_id"]
    return body


def assert_flat_chinese(errors: dict) -> None:
    """The one shape: a flat object of dotted paths → lists of Chinese messages."""
    assert isinstance(errors, dict)
    for path, messages in errors.items():
        assert isinstance(path, str) and path and " " not in path, path
        assert isinstance(messages, list) and messages, (path, messages)
        for message in messages:
            assert isinstance(message, str) and CJK.search(message), (path, message)


# ---------------------------------------------------------------- 400, 413, 422


def test_bad_json_is_a_declared_400(api):
    resp = api.post("/api/v1/auth/sms/send", data="{", content_type="application/json")
    body = error(resp, 400, "BAD_REQUEST")
    assert body["errors"] == {"_schema": ["请求内容不是有效的JSON"]}


def test_a_body_that_is_no_object_is_422_on_schema(api):
    body = error(api.post("/api/v1/auth/sms/send", json=["13800138000"]), 422, "VALIDATION_ERROR")
    assert body["errors"] == {"_schema": ["请求内容格式有误"]}


def test_field_errors_are_flat_and_chinese(api):
    resp = api.post("/api/v1/auth/sms/send", json={"mobile": None, "extra": 1})
    body = error(resp, 422, "VALIDATION_ERROR")
    assert body["errors"] == {"mobile": ["此项不能为空"], "extra": ["不支持的字段"]}
    body = error(api.post("/api/v1/auth/sms/send", json={}), 422, "VALIDATION_ERROR")
    assert body["errors"] == {"mobile": ["此项为必填项"]}
    body = error(api.get("/api/v1/services?page_size=500&sort=x"), 422, "VALIDATION_ERROR")
    assert body["errors"] == {"page_size": ["应在1到100之间"], "sort": ["不支持的字段"]}


def test_nested_field_errors_use_dotted_paths(api):
    token = citizen(api)
    draft = create_draft(api, token)
    resp = api.patch(f"{APPS}/{draft['id']}", json={"form": "not an object"}, headers=bearer(token))
    body = error(resp, 422, "VALIDATION_ERROR")
    assert_flat_chinese(body["errors"])
    assert list(body["errors"]) == ["form"]
    # a refused submission names form fields and materials by path, in Chinese
    resp = api.post(f"{APPS}/{draft['id']}/submit", headers={**bearer(token), "Idempotency-Key": "contract-1"})
    body = error(resp, 422, "APPLICATION_INCOMPLETE")
    assert_flat_chinese(body["errors"])
    assert any(p.startswith("form.") for p in body["errors"]) and "materials.0" in body["errors"]


def test_payload_too_large_is_a_declared_413(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "MAX_CONTENT_LENGTH", 1000)
    resp = api.post("/api/v1/auth/sms/send", json={"mobile": "1" * 2000})
    error(resp, 413, "PAYLOAD_TOO_LARGE")


# ---------------------------------------------------------------- 401, 403


def test_missing_and_bad_tokens_are_declared_401(api):
    error(api.get("/api/v1/me"), 401, "TOKEN_MISSING")
    error(api.get("/api/v1/me", headers=bearer("not-a-token")), 401, "TOKEN_INVALID")
    error(api.get(f"{BASE}/me"), 401, "STAFF_TOKEN_MISSING")


def test_step_up_names_the_level_and_freshness_needed(api, identity_app, checker):
    token = sms_login(api, identity_app)["access_token"]  # level 2
    body = error(api.get(APPS, headers=bearer(token)), 403, "STEP_UP_REQUIRED")
    assert body["details"]["auth"] == {"required_level": 3, "current_level": 2, "fresh": False}
    assert body["errors"] == {}
    body = error(api.delete("/api/v1/me/channels/app", headers=bearer(token)), 403, "STEP_UP_REQUIRED")
    assert body["details"]["auth"]["required_level"] == 4 and body["details"]["auth"]["fresh"] is True
    # the spec says it too, machine-readably and in words
    op = checker.spec["paths"]["/api/v1/me/channels/{channel}"]["delete"]
    assert op["x-assurance-level"] == 4 and op["x-fresh-face"] is True
    assert "assurance level 4" in op["description"] and "STEP_UP_REQUIRED" in op["description"]


def test_staff_role_refusal_is_declared(api, identity_app):
    clerk = staff_token(api, identity_app, department="YQX-GA", role="window_clerk")
    body = error(api.get(f"{BASE}/departments/YQX-GA/staff", headers=clerk), 403, "STAFF_ROLE_REQUIRED")
    assert body["details"]["auth"]["role"] == "window_clerk"
    error(api.get(f"{BASE}/departments/NO-SUCH/audit", headers=clerk), 403, "STAFF_ROLE_REQUIRED")


# ---------------------------------------------------------------- 404: unknown and impossible ids


def _int_id_operations(spec: dict) -> list[tuple[str, str]]:
    out = []
    for path, item in spec["paths"].items():
        params = [p for p in item.get("parameters", []) if p["in"] == "path"]
        if any(p["schema"].get("type") == "integer" for p in params):
            out += [(m.upper(), path) for m in item if m != "parameters"]
    return out


def _fill(path: str, spec_item: dict, value) -> str:
    for p in spec_item.get("parameters", []):
        if p["in"] == "path":
            filler = value if p["schema"].get("type") == "integer" else {"action": "accept"}.get(p["name"], "x")
            path = path.replace("{" + p["name"] + "}", str(filler))
    return path


def test_every_integer_id_beyond_the_id_range_is_a_404_envelope(api, identity_app, checker):
    spec = checker.spec
    ops = _int_id_operations(spec)
    assert len(ops) >= 18
    citizen_headers = bearer(citizen(api))
    staff_headers = staff_token(api, identity_app, department="YQX-GA", role="department_head")
    for method, path in ops:
        headers = staff_headers if path.startswith("/staff/") else citizen_headers
        kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        for value in (2**31, 2**63 - 1, 2**63, 2**64 + 5, 10**30, "9" * 400, "-1", "0x10"):
            resp = api.open(_fill(path, spec["paths"][path], value), method, headers=headers, **kwargs)
            assert resp.status_code == 404, (method, path, value, resp.get_json())
            assert resp.get_json()["error"] == "NOT_FOUND"
        # the largest id still reaches the operation (its own not-found, a 422 or a refusal), never 5xx
        resp = api.open(_fill(path, spec["paths"][path], MAX_ID), method, headers=headers, **kwargs)
        assert resp.status_code < 500, (method, path, resp.get_json())


def test_out_of_range_ids_in_a_body_are_never_a_500(api):
    token = bearer(citizen(api))
    for value in (2**31, 2**63, 2**70):
        resp = api.post("/api/v1/appointments", json={"slot_id": value, "service_code": HUJI}, headers=token)
        assert resp.status_code in (404, 422), resp.get_json()
        resp = api.post(APPS, json={"service_code": HUJI}, headers=token)
        draft = resp.get_json()
        resp = api.put(
            f"{APPS}/{draft['id']}/materials/0", json={"method": "licence", "licence_id": value}, headers=token
        )
        assert resp.status_code in (404, 422), resp.get_json()


def test_unknown_ids_give_the_domain_404(api):
    token = citizen(api)
    error(api.get(f"{APPS}/{MAX_ID}", headers=bearer(token)), 404, "APPLICATION_NOT_FOUND")
    error(api.get(f"/api/v1/licences/{MAX_ID}", headers=bearer(token)), 404, "LICENCE_NOT_FOUND")
    error(api.get("/api/v1/services/NO-SUCH-CODE"), 404, "SERVICE_NOT_FOUND")
    error(api.get("/api/v1/nothing-here"), 404, "NOT_FOUND")


# ---------------------------------------------------------------- 405, 409, 428, 429


def test_wrong_method_is_a_405_envelope(api):
    resp = api.delete("/api/v1/services")
    error(resp, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in resp.headers["Allow"]


def test_conflict_and_missing_idempotency_key(api):
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    error(api.post(f"{APPS}/{draft['id']}/withdraw", headers=bearer(token)), 409, "ILLEGAL_TRANSITION")
    body = error(api.post(f"{APPS}/{draft['id']}/submit", headers=bearer(token)), 428, "IDEMPOTENCY_KEY_REQUIRED")
    assert list(body["errors"]) == ["Idempotency-Key"]
    assert_flat_chinese(body["errors"])


def test_rate_limit_is_a_declared_429_with_retry_after(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "LOGIN_LIMIT_PER_IP", (1, 60))
    error(api.post("/api/v1/auth/refresh", json={"refresh_token": "nope"}), 401, "REFRESH_TOKEN_INVALID")
    resp = api.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    body = error(resp, 429, "LOGIN_RATE_LIMITED")
    assert body["details"]["retry_after"] == int(resp.headers["Retry-After"])


# ---------------------------------------------------------------- the spec itself


def test_every_operation_declares_its_errors(checker):
    spec = checker.spec
    envelope = spec["components"]["schemas"]["ErrorEnvelope"]
    assert {"code", "status", "error", "message", "errors", "request_id"} <= set(envelope["required"])
    assert "details" in envelope["properties"] and "dotted field path" in envelope["description"]
    count = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            count += 1
            responses = op["responses"]
            if op.get("x-called-by") == "provider":
                assert op["tags"] == ["Provider callbacks"]
                continue
            assert "500" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")) and status != "default":
                    assert response.get("x-error-codes"), (method, path, status)
            if path != "/healthz" and path != "/readyz":
                assert (
                    responses["503"]["x-error-codes"] == ["DATABASE_UNAVAILABLE"]
                    or "DATABASE_UNAVAILABLE" in (responses["503"]["x-error-codes"])
                )
                assert "Retry-After" in responses["503"]["headers"]
            if op.get("security"):
                assert "401" in responses, (method, path)
            if any(s.get("bearerAuth") is not None for s in op.get("security", [])):
                assert isinstance(op["x-assurance-level"], int), (method, path)
                if op["x-assurance-level"] > 2:
                    assert "STEP_UP_REQUIRED" in responses["403"]["x-error-codes"], (method, path)
            if "requestBody" in op:
                assert "VALIDATION_ERROR" in responses["422"]["x-error-codes"], (method, path)
    assert count >= 90


def test_provider_callbacks_are_in_the_spec(checker):
    spec = checker.spec
    assert any(t["name"] == "Provider callbacks" for t in spec["tags"])
    wechat = spec["paths"]["/payments/notify/wechat"]["post"]
    assert wechat["x-called-by"] == "provider" and set(wechat["responses"]) == {"204", "401", "500", "503"}
    assert {p["name"] for p in wechat["parameters"]} >= {"Wechatpay-Signature", "Wechatpay-Serial"}
    alipay = spec["paths"]["/payments/notify/alipay"]["post"]
    assert alipay["responses"]["200"]["content"]["text/plain"]["schema"]["enum"] == ["success", "fail"]
    assert "application/x-www-form-urlencoded" in alipay["requestBody"]["content"]
    sf = spec["paths"]["/delivery/notify/sf"]["post"]
    assert (
        sf["x-called-by"] == "provider"
        and "msgData" in (sf["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"])
    )


def test_provider_answers_match_their_declared_responses(api):
    resp = api.post(
        "/payments/notify/wechat",
        data=b'{"id": "x"}',
        content_type="application/json",
        headers={
            "Wechatpay-Serial": "x",
            "Wechatpay-Signature": "x",
            "Wechatpay-Timestamp": "1",
            "Wechatpay-Nonce": "n",
        },
    )
    assert resp.status_code == 401 and resp.get_json()["code"] == "FAIL"
    resp = api.post("/payments/notify/alipay", data={"notify_id": "1", "sign": "x", "sign_type": "RSA2"})
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "fail" and resp.mimetype == "text/plain"
    resp = api.post("/delivery/notify/sf", data={"msgData": "{}", "timestamp": "1", "msgDigest": "x"})
    assert resp.status_code == 200 and resp.get_json()["return_code"] == "1000"


def test_the_checker_refuses_what_the_spec_does_not_declare(identity_app, checker):
    from flask import Response

    with pytest.raises(AssertionError, match="not declared"):
        checker.check("GET", "/api/v1/services", Response(status=418))
    bad = Response('{"code": 404, "error": "NOT_FOUND"}', status=404, mimetype="application/json")
    with pytest.raises(AssertionError):
        checker.check("GET", "/api/v1/services/X", bad)  # no message, errors, request_id
    wrong_code = identity_app.test_client().get("/api/v1/services/NO-SUCH-CODE")
    wrong_code.set_data(wrong_code.get_data().replace(b"SERVICE_NOT_FOUND", b"SOMETHING_ELSE"))
    with pytest.raises(AssertionError, match="not in"):
        checker.check("GET", "/api/v1/services/NO-SUCH-CODE", wrong_code)
