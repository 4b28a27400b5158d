"""Keyword-only helpers for applying as a company (tests/journeys/test_enterprise_journey.py and
the enterprise-scope tests of cases, payments, delivery, licences, notifications)."""

from __future__ import annotations

import uuid

from tests.cases.helpers import APPS, upload
from tests.enterprises.helpers import CHANGE_REGISTRATION
from tests.identity.helpers import bearer

# 企业年度报告公示 (青岚市市场监管局, legal_person, pickup only): another legal-person item
ANNUAL_REPORT = "11539900MBL19125580000610070001"
# 居民身份证换领 (individual only, 20 元)
ID_RENEWAL = "1153992101967557720000107020001"
# 食品经营许可 (both audiences)
FOOD_LICENCE = "11539900MBW767867N0000601020001"


def ok(resp, status: int = 200) -> dict:
    body = resp.get_json()
    assert resp.status_code == status, body
    return body


def change_form(uscc: str) -> dict:
    return {
        "company_name": "青岚测试有限公司",
        "uscc": uscc,
        "contact_phone": "13800138000",
        "changes": ["住所"],
        "description": "住所由政通路迁至科创路",
    }


def company_draft(api, token: str, *, code: str = CHANGE_REGISTRATION) -> dict:
    return ok(api.post(APPS, json={"service_code": code}, headers=bearer(token)), 201)


def ready_change_registration(api, token: str, *, uscc: str, use_licence: bool = True) -> dict:
    """A 企业变更登记 draft ready to submit: the form filled, the 营业执照 met by the company's
    e-licence (授权用证) or by upload, the other required materials uploaded."""
    draft = company_draft(api, token)
    body = ok(api.patch(f"{APPS}/{draft['id']}", json={"form": change_form(uscc)}, headers=bearer(token)))
    assert body["form_errors"] == {}, body["form_errors"]
    for material in body["materials"]:
        if not material["required"]:
            continue
        if material["licence_type_code"] == "L-YYZZ" and use_licence:
            offered = material["options"]["licences"]
            assert offered, "the company's 营业执照 is offered"
            choice = {"method": "licence", "licence_id": offered[0]["id"]}
            url = f"{APPS}/{draft['id']}/materials/{material['position']}"
            body = ok(api.put(url, json=choice, headers=bearer(token)))
        else:
            body = ok(upload(api, token, draft["id"], material["position"]), 201)
    return body


def submit(api, token: str, case_id: int):
    headers = {**bearer(token), "Idempotency-Key": f"ent-{case_id}-{uuid.uuid4().hex[:8]}"}
    return api.post(f"{APPS}/{case_id}/submit", headers=headers)


def face_agent_acting(api, sandbox, *, uscc: str, agent: str = "陈云栖", scope: str = "all", codes=()) -> dict:
    """As tests.enterprises.helpers.agent_acting, with the agent at level 4 (a fresh face check:
    items whose result is a licence need it to submit)."""
    from tests.enterprises.helpers import accept, acting_token, citizen_face, grant, representative

    rep_token, eid = representative(api, sandbox, uscc=uscc)
    made = grant(api, rep_token, enterprise_id=eid, agent=agent, scope=scope, codes=codes)
    personal = citizen_face(api, sandbox, name=agent)
    accept(api, personal, grant_id=made["id"])
    return {
        "token": acting_token(api, personal, enterprise_id=eid),
        "personal": personal,
        "rep": rep_token,
        "enterprise_id": eid,
        "grant_id": made["id"],
    }
