"""Issue 17's walk, end to end over HTTP with the demo residents and the demo enterprises: a legal
representative applies for 企业变更登记 as the company with its 营业执照 e-licence and the result
reaches the company's wallet; an agent authorised for one item applies for it and is refused
another, and sees nothing of the company once revoked; audiences are enforced both ways; another
company's cases, payments, deliveries, licences and messages are invisible both ways; a 吊销 or
注销 enterprise cannot apply. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app.cases.models import Case
from app.enterprises import public as enterprises
from app.extensions import db
from app.licences.models import ELicence
from notifications.models import Message
from tests.cases.enterprise_helpers import (
    ANNUAL_REPORT,
    FOOD_LICENCE,
    ID_RENEWAL,
    company_draft,
    face_agent_acting,
    ok,
    ready_change_registration,
    submit,
)
from tests.cases.helpers import APPS, upload
from tests.enterprises.helpers import (
    CHANGE_REGISTRATION,
    DEREGISTERED,
    LOGISTICS,
    REVOKED,
    TEA,
    acting_token,
    citizen,
    representative,
    representative_acting_token,
)
from tests.identity.helpers import bearer
from tests.jobs import run_jobs
from tests.staff_api.helpers import staff_token

API = "/api/v1"
STAFF = "/staff/api/v1"
XZSP = "QLS-XZSP"  # 青岚市行政审批局: 企业变更登记


def _wallet(api, token: str) -> list[dict]:
    return ok(api.get(f"{API}/licences?page_size=100", headers=bearer(token)))["items"]


def _yyzz(items: list[dict]) -> list[dict]:
    return [lic for lic in items if lic["licence_type"]["code"] == "L-YYZZ"]


def _inbox(api, token: str) -> list[dict]:
    return ok(api.get(f"{API}/messages?page_size=100", headers=bearer(token)))["items"]


def _applications(api, token: str) -> list[int]:
    return [c["id"] for c in ok(api.get(f"{APPS}?page_size=100", headers=bearer(token)))["items"]]


def _refused(resp, status: int, error: str) -> dict:
    body = resp.get_json()
    assert resp.status_code == status and body["error"] == error, body
    return body


def test_representative_applies_as_the_company_and_the_result_reaches_its_wallet(api, identity_app, sandbox):
    personal, eid = representative(api, sandbox, uscc=TEA)
    act = acting_token(api, personal, enterprise_id=eid)

    # the company's 营业执照 is in the company wallet, not in hers
    company_licences = _yyzz(_wallet(api, act))
    assert len(company_licences) == 1 and company_licences[0]["holder_masked"]
    assert not any(lic["id"] == company_licences[0]["id"] for lic in _wallet(api, personal))

    # audience: a person cannot apply for a legal-person item, the company not for an individual one
    refused = _refused(
        api.post(APPS, json={"service_code": CHANGE_REGISTRATION}, headers=bearer(personal)), 403, "AUDIENCE_MISMATCH"
    )
    assert "企业身份" in refused["message"]
    refused = _refused(api.post(APPS, json={"service_code": ID_RENEWAL}, headers=bearer(act)), 403, "AUDIENCE_MISMATCH")
    assert "个人身份" in refused["message"]
    # an item for both takes either context
    assert company_draft(api, act, code=FOOD_LICENCE)["enterprise_id"] == eid
    assert company_draft(api, personal, code=FOOD_LICENCE)["enterprise_id"] is None

    # 授权用证 with the company's licence, then submit as the company
    draft = ready_change_registration(api, act, uscc=TEA)
    assert draft["enterprise_id"] == eid
    used = next(m for m in draft["materials"] if m["licence_type_code"] == "L-YYZZ")
    assert used["method"] == "licence" and used["licence_id"] == company_licences[0]["id"]
    case = ok(submit(api, act, draft["id"]))
    assert case["status"] == "submitted" and case["case_number"]
    # the case is the company's: not in her personal list
    assert case["id"] in _applications(api, act) and case["id"] not in _applications(api, personal)
    _refused(api.get(f"{APPS}/{case['id']}", headers=bearer(personal)), 404, "APPLICATION_NOT_FOUND")

    # the officer sees the company as applicant and her (masked) as the handler
    officer = staff_token(api, identity_app, department=XZSP, role="reviewer")
    queue = ok(api.get(f"{STAFF}/departments/{XZSP}/cases", headers=officer))["items"]
    row = next(r for r in queue if r["id"] == case["id"])
    assert row["enterprise"] == {"id": eid, "name": "青岚云栖茶业有限公司"}
    assert row["applicant_masked"] == "青岚云栖茶业有限公司"
    assert row["handler_masked"] and "林晓岚" not in row["handler_masked"] and row["handler_masked"].endswith("岚")
    detail = ok(api.get(f"{STAFF}/cases/{case['id']}", headers=officer))
    assert detail["enterprise"]["id"] == eid and detail["handler_masked"] == row["handler_masked"]
    for action in ("accept", "approve"):
        ok(api.post(f"{STAFF}/cases/{case['id']}/{action}", json={}, headers=officer))

    # the new 营业执照 is the company's, numbered with its USCC; her own wallet is unchanged
    after = _yyzz(_wallet(api, act))
    assert len(after) == 2
    issued = next(lic for lic in after if lic["id"] != company_licences[0]["id"])
    assert issued["issuer"]["code"] == XZSP
    assert not _yyzz(_wallet(api, personal))
    with identity_app.app_context():
        holder = db.session.scalar(sa.select(ELicence.holder_hash).where(ELicence.id == issued["id"]))
        assert holder == enterprises.enterprise_facts(eid)["uscc_hash"]
        db.session.remove()

    # the messages reach her inbox in the company's context, not her personal one
    run_jobs(identity_app)
    company_inbox = _inbox(api, act)
    assert {m["case_id"] for m in company_inbox} >= {case["id"]}
    assert not any(m["case_id"] == case["id"] for m in _inbox(api, personal))


def test_an_agent_applies_within_scope_and_sees_nothing_after_revocation(api, identity_app, sandbox):
    agent = face_agent_acting(api, sandbox, uscc=TEA, agent="陈云栖", scope="items", codes=[CHANGE_REGISTRATION])
    token, eid = agent["token"], agent["enterprise_id"]

    draft = ready_change_registration(api, token, uscc=TEA)
    case = ok(submit(api, token, draft["id"]))
    assert case["enterprise_id"] == eid
    _refused(
        api.post(APPS, json={"service_code": ANNUAL_REPORT}, headers=bearer(token)), 403, "NOT_AUTHORISED_FOR_ITEM"
    )

    # the representative (acting) sees the agent's case; a case of an item outside the agent's
    # scope is invisible to the agent
    rep_act = acting_token(api, agent["rep"], enterprise_id=eid)
    assert case["id"] in _applications(api, rep_act)
    other = company_draft(api, rep_act, code=ANNUAL_REPORT)
    assert other["id"] not in _applications(api, token)
    _refused(api.get(f"{APPS}/{other['id']}", headers=bearer(token)), 404, "APPLICATION_NOT_FOUND")

    # the agent's messages about the company: in the acting inbox (and the representative's)
    officer = staff_token(api, identity_app, department=XZSP, role="reviewer")
    ok(api.post(f"{STAFF}/cases/{case['id']}/accept", json={}, headers=officer))
    run_jobs(identity_app)
    assert any(m["case_id"] == case["id"] for m in _inbox(api, token))
    assert any(m["case_id"] == case["id"] for m in _inbox(api, rep_act))

    # revoked: the acting token stops at once, and the agent's own account shows nothing of it
    resp = api.delete(f"{API}/enterprises/{eid}/grants/{agent['grant_id']}", headers=bearer(agent["rep"]))
    assert resp.status_code == 204, resp.get_json()
    assert api.get(APPS, headers=bearer(token)).status_code == 401
    personal = agent["personal"]
    assert _applications(api, personal) == []
    for path in (
        f"{APPS}/{case['id']}",
        f"{APPS}/{case['id']}/payment",
        f"{APPS}/{case['id']}/delivery",
    ):
        assert api.get(path, headers=bearer(personal)).status_code == 404, path
    assert not _yyzz(_wallet(api, personal))
    assert not any(m["case_id"] == case["id"] for m in _inbox(api, personal))
    with identity_app.app_context():
        mine = db.session.scalars(sa.select(Message.id).where(Message.case_id == case["id"])).all()
        db.session.remove()
    for message_id in mine:
        assert api.post(f"{API}/messages/{message_id}/read", headers=bearer(personal)).status_code == 404


def test_another_companys_matters_are_invisible_both_ways(api, identity_app, sandbox):
    tea_personal, tea_id = representative(api, sandbox, uscc=TEA)
    tea = acting_token(api, tea_personal, enterprise_id=tea_id)
    logistics = representative_acting_token(api, sandbox, uscc=LOGISTICS)
    mine = {"tea": ready_change_registration(api, tea, uscc=TEA)}
    mine["logistics"] = ready_change_registration(api, logistics, uscc=LOGISTICS)
    tea_licence = _yyzz(_wallet(api, tea))[0]["id"]
    logistics_licence = _yyzz(_wallet(api, logistics))[0]["id"]
    stranger = citizen(api, name="孙映雪")
    for owner, other, case, foreign_licence in (
        (tea, logistics, mine["logistics"], logistics_licence),
        (logistics, tea, mine["tea"], tea_licence),
    ):
        cid = case["id"]
        position = case["materials"][0]["position"]
        file_id = case["materials"][0]["files"][0]["id"]
        for caller in (owner, tea_personal, stranger):
            h = bearer(caller)
            assert cid not in _applications(api, caller)
            for resp in (
                api.get(f"{APPS}/{cid}", headers=h),
                api.patch(f"{APPS}/{cid}", json={"form": {"description": "改一下"}}, headers=h),
                api.delete(f"{APPS}/{cid}", headers=h),
                api.put(f"{APPS}/{cid}/materials/{position}", json={"method": "upload"}, headers=h),
                upload(api, caller, cid, position),
                api.get(f"{APPS}/{cid}/files/{file_id}", headers=h),
                submit(api, caller, cid),
                api.post(f"{APPS}/{cid}/withdraw", headers=h),
                api.get(f"{APPS}/{cid}/payment", headers=h),
                api.post(f"{APPS}/{cid}/payment", json={"channel": "wechat"}, headers=h),
                api.get(f"{APPS}/{cid}/delivery", headers=h),
                api.put(f"{APPS}/{cid}/delivery", json={"method": "pickup"}, headers=h),
                api.post(f"{APPS}/{cid}/delivery/pickup-code", headers=h),
            ):
                assert resp.status_code in (404, 403), (resp.request.method, resp.request.path, resp.get_json())
                if resp.status_code == 403:  # a level gate before ownership (payment needs level 4)
                    assert resp.get_json()["error"] == "STEP_UP_REQUIRED", resp.get_json()
            assert api.get(f"{API}/licences/{foreign_licence}", headers=h).status_code == 404
        # the owner still has it all
        assert ok(api.get(f"{APPS}/{cid}", headers=bearer(other)))["id"] == cid
    # the drafts were not touched
    for key, token in (("tea", tea), ("logistics", logistics)):
        assert ok(api.get(f"{APPS}/{mine[key]['id']}", headers=bearer(token)))["status"] == "draft"


def test_a_revoked_or_deregistered_enterprise_cannot_apply(api, identity_app, sandbox):
    for uscc, status in ((REVOKED, "吊销"), (DEREGISTERED, "注销")):
        act = representative_acting_token(api, sandbox, uscc=uscc)
        body = _refused(
            api.post(APPS, json={"service_code": CHANGE_REGISTRATION}, headers=bearer(act)),
            403,
            "ENTERPRISE_CANNOT_APPLY",
        )
        assert status in body["message"] and body["details"]["enterprise_status"] == status
        assert _applications(api, act) == []


def test_the_company_pays_its_fee_as_payer(api, identity_app, sandbox):
    """A legal-person item with a fee: the payment names the company as the payer."""
    act = representative_acting_token(api, sandbox, uscc=TEA)
    code = "11539900MBN146036P0000707060001"  # 国有建设用地使用权首次登记 (legal_person, 550 元)
    draft = company_draft(api, act, code=code)
    assert draft["fee_fen"] == 55000
    with identity_app.app_context():
        case = db.session.get(Case, draft["id"])
        case.status, case.case_number = "payment_pending", f"T-ENT-{uuid.uuid4().hex[:8]}"
        db.session.commit()
        db.session.remove()
    payment = ok(api.get(f"{APPS}/{draft['id']}/payment", headers=bearer(act)))
    assert payment["payer"] == {"kind": "enterprise", "name": "青岚云栖茶业有限公司"}
