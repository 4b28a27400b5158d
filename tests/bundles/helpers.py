"""Keyword-only helpers for bundle application tests: the test bundle, a ready application,
submit, staff decisions on member cases."""

from __future__ import annotations

import io
import uuid

from app.catalog.bundle_models import Bundle, BundleMember
from tests.cases.helpers import pdf_bytes
from tests.catalog.bundleview import fill_form
from tests.identity.helpers import bearer
from tests.staff.helpers import BASE as STAFF
from tests.staff_api.helpers import staff_token

BUNDLES = "/api/v1/bundle-applications"
TRIO = "test_trio"
# 户籍证明开具 (YQX-GA: 居民身份证, 委托书)
HUJI = "1153992101967557720000111070001"
# 城乡居民基本养老保险参保登记 (YQX-RS: 居民身份证, 户口簿)
PENSION = "11539921021890583P0000311010001"
# 城乡居民基本医疗保险参保登记 (YQX-YB: 居民身份证, 户口簿, 居住证)
MEDICAL = "11539921MBU178321A0000411010001"


def trio_bundle() -> Bundle:
    """Three items of three departments; the medical one only when asked for, and it depends on
    the pension one."""
    return Bundle(
        code=TRIO,
        name="测试一件事",
        audience="person",
        description="",
        legal_basis=[],
        promised_time_limit=5,
        questions=[{"code": "need_medical", "text": "是否需要参加医保", "kind": "yes_no"}],
        shared_form={"type": "object", "properties": {}, "required": []},
        keywords=[],
        active=True,
        sort=99,
        members=[
            BundleMember(position=1, service_code=HUJI, condition=None, field_map={}, depends_on=[]),
            BundleMember(position=2, service_code=PENSION, condition=None, field_map={}, depends_on=[]),
            BundleMember(
                position=3,
                service_code=MEDICAL,
                condition={"question": "need_medical", "equals": True},
                field_map={},
                depends_on=[PENSION],
            ),
        ],
    )


def start(api, token: str, code: str, answers: dict | None = None):
    body = {"bundle_code": code}
    if answers is not None:
        body["answers"] = answers
    return api.post(BUNDLES, json=body, headers=bearer(token))


def fill_value(prop: dict):
    kind = prop.get("type")
    if "enum" in prop:
        return prop["enum"][0]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return prop.get("minimum", 1)
    if "pattern" in prop:
        return "13800138000"
    if prop.get("format") == "date":
        return "2026-05-16"
    return "测" * max(prop.get("minLength", 2), 2)


def valid_combined(schema: dict) -> dict:
    """Values for every required field of a combined form (nested member parts included)."""
    out: dict = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if prop.get("type") == "object" and "properties" in prop:
            out[name] = valid_combined(prop)
        else:
            out[name] = fill_value(prop)
    return out


def upload(api, token: str, application_id: int, position: int):
    return api.post(
        f"{BUNDLES}/{application_id}/materials/{position}/files",
        data={"file": (io.BytesIO(pdf_bytes()), "scan.pdf")},
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def ready(api, token: str, code: str, answers: dict) -> dict:
    """A bundle application with answers, a filled form and every required material uploaded."""
    resp = start(api, token, code, answers)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    resp = api.patch(f"{BUNDLES}/{body['id']}", json={"form": fill_form(body["form_schema"])}, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["form_errors"] == {}, body["form_errors"]
    for material in body["materials"]:
        if material["required"]:
            resp = upload(api, token, body["id"], material["position"])
            assert resp.status_code == 201, resp.get_json()
            body = resp.get_json()
    return body


def submit(api, token: str, application_id: int, *, key: str | None = None):
    headers = bearer(token)
    headers["Idempotency-Key"] = key or uuid.uuid4().hex
    return api.post(f"{BUNDLES}/{application_id}/submit", headers=headers)


def view(api, token: str, application_id: int) -> dict:
    resp = api.get(f"{BUNDLES}/{application_id}", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def officer(api, app, department: str, role: str = "department_head") -> dict:
    return staff_token(api, app, department=department, role=role)


def staff_act(api, headers: dict, case_id: int, action: str, note: str | None = None, materials=None):
    body: dict = {} if note is None else {"note": note}
    if materials is not None:
        body["materials"] = materials
    return api.post(f"{STAFF}/cases/{case_id}/{action}", json=body, headers=headers)


def decide(api, app, case: dict, *, action: str = "approve", note: str | None = None) -> None:
    """Accept then approve / deny a member case as an officer of its department."""
    headers = officer(api, app, case["department_code"])
    resp = staff_act(api, headers, case["case_id"], "accept")
    assert resp.status_code == 200, resp.get_json()
    resp = staff_act(api, headers, case["case_id"], action, note)
    assert resp.status_code == 200, resp.get_json()
