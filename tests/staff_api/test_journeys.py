"""Seeded items walked end to end through the citizen API and the staff API: an instant approval
(秒批) decided by declarative rules, a correction naming the materials to provide again, and a
commitment found false that revokes the case, its e-licence and the applicant's commitments."""

from __future__ import annotations

import sqlalchemy as sa

from app.credit import service as credit
from app.credit.models import FalseCommitment
from app.extensions import db
from app.identity.registry import id_hash
from app.licences.models import ELicence
from app.outbox import events_for
from tests.cases.helpers import (
    APPS,
    HUJI,
    RELIEF,
    citizen,
    citizen_face,
    create_draft,
    fill_form,
    person,
    submit,
    upload,
)
from tests.identity.helpers import assert_error, bearer
from tests.licences.helpers import issue
from tests.staff_api.helpers import BASE, act, staff_token

ELDERLY_ALLOWANCE = "1153992102507040050000205060001"  # 高龄津贴申领: instant for 80+, no uploads, clean credit
RESIDENCE_PERMIT = "1153992101967557720000111110001"  # 居住证申领: e-licence result, 居住证明 by commitment


def _use_licence(api, token, case_id, position, licence_id):
    resp = api.put(
        f"{APPS}/{case_id}/materials/{position}",
        json={"method": "licence", "licence_id": licence_id},
        headers=bearer(token),
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _commit(api, token, draft, position):
    material = next(m for m in draft["materials"] if m["position"] == position)
    body = {"method": "commitment", "accept": True, "text_version": material["options"]["commitment"]["version"]}
    resp = api.put(f"{APPS}/{draft['id']}/materials/{position}", json=body, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _allowance_draft(api, identity_app, *, name: str, id_card_by: str = "licence"):
    who = person(name)
    id_card = issue(identity_app, person=who)
    token = citizen(api, name=name)
    draft = create_draft(api, token, code=ELDERLY_ALLOWANCE)
    assert [r["rule"] for r in api.get(f"/api/v1/services/{ELDERLY_ALLOWANCE}").get_json()["instant_rules"]] == [
        "age_at_least",
        "no_uploads",
        "no_credit_record",
    ]
    fill_form(api, token, draft)
    if id_card_by == "licence":
        _use_licence(api, token, draft["id"], 0, id_card["id"])
    else:
        assert upload(api, token, draft["id"], 0).status_code == 201
    _commit(api, token, draft, 2)  # 银行账户信息 by commitment
    return token, draft


def test_instant_approval_when_every_rule_holds(api, identity_app):
    token, draft = _allowance_draft(api, identity_app, name="钱桂芳")  # born 1944: 82
    resp = submit(api, token, draft["id"])
    body = resp.get_json()
    assert resp.status_code == 200, body["errors"]
    assert body["status"] == "approved" and body["case_number"]
    assert [(e["action"], e["to_status"]) for e in body["timeline"]] == [
        ("submit", "submitted"),
        ("instant_approve", "approved"),
    ]
    assert body["timeline"][1]["note"] == (
        "秒批：申请人年满80周岁；全部材料以电子证照或告知承诺提供，无需人工审查；无失信记录"
    )
    with identity_app.app_context():
        events = events_for("case", body["id"])
        assert [e.event_type for e in events] == ["case.submit", "case.instant_approve", "case.result_issued"]
        assert events[1].payload["rules"] == ["age_at_least", "no_uploads", "no_credit_record"]
        assert events[2].payload["licence"] is None  # the allowance is paid monthly, no e-licence
        db.session.remove()
    # the department sees it decided, and concludes it
    head = staff_token(api, identity_app, department=body["department_code"], role="department_head")
    detail = api.get(f"{BASE}/cases/{body['id']}", headers=head).get_json()
    assert detail["status"] == "approved" and detail["timeline"][1]["actor"] == "system:instant"
    assert act(api, head, body["id"], "conclude").get_json()["status"] == "concluded"


def test_a_failing_rule_leaves_the_case_to_an_officer(api, identity_app):
    # too young
    token, draft = _allowance_draft(api, identity_app, name="林晓岚")
    body = submit(api, token, draft["id"]).get_json()
    assert body["status"] == "submitted" and [e["action"] for e in body["timeline"]] == ["submit"]
    # old enough, but a scan was uploaded: an officer must read it
    token, draft = _allowance_draft(api, identity_app, name="钱桂芳", id_card_by="upload")
    assert submit(api, token, draft["id"]).get_json()["status"] == "submitted"


def test_a_flagged_credit_record_stops_instant_approval(api, identity_app):
    with identity_app.app_context():
        credit.add_entry(resident_hash=id_hash(person("钱桂芳")[1]), severity="general", reason="一般失信")
        db.session.commit()
        db.session.remove()
    token, draft = _allowance_draft(api, identity_app, name="钱桂芳")
    assert submit(api, token, draft["id"]).get_json()["status"] == "submitted"


def test_instant_approval_issues_the_e_licence_at_once(api, identity_app):
    # 户籍证明开具 is instant with the default rules: no uploads, clean credit
    id_card = issue(identity_app, person=person("林晓岚"))
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    fill_form(api, token, draft)
    _use_licence(api, token, draft["id"], 0, id_card["id"])
    body = submit(api, token, draft["id"]).get_json()
    assert body["status"] == "approved"
    assert [e["action"] for e in body["timeline"]] == ["submit", "instant_approve", "issue_licence"]
    wallet = api.get("/api/v1/licences", headers=bearer(token)).get_json()["items"]
    assert "户籍证明" in [lic["licence_type"]["name"] for lic in wallet]


def test_correction_names_materials_and_resubmit_waits_for_them(api, identity_app):
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    fill_form(api, token, draft)
    for material in draft["materials"]:
        if material["required"]:
            assert upload(api, token, draft["id"], material["position"]).status_code == 201
    case = submit(api, token, draft["id"]).get_json()
    assert case["status"] == "submitted"
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    names = {m["position"]: m["name"] for m in case["materials"]}
    # an unknown material: refused, nothing changes
    body = assert_error(act_with(api, clerk, case["id"], "收入证明不清晰", [0, 99]), 422, "MATERIAL_NOT_FOUND")
    assert list(body["errors"]) == ["materials.99"]
    assert api.get(f"{APPS}/{case['id']}", headers=bearer(token)).get_json()["status"] == "submitted"

    resp = act_with(api, clerk, case["id"], "扫描件不清晰", [0, 2])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["correction_note"] == f"扫描件不清晰（需补正材料：{names[0]}、{names[2]}）"
    mine = api.get(f"{APPS}/{case['id']}", headers=bearer(token)).get_json()
    assert [m["position"] for m in mine["materials"] if m["needs_correction"]] == [0, 2]
    refused = assert_error(submit(api, token, case["id"]), 422, "APPLICATION_INCOMPLETE")
    assert sorted(refused["errors"]) == ["materials.0", "materials.2"]
    assert upload(api, token, case["id"], 0).status_code == 201
    refused = assert_error(submit(api, token, case["id"]), 422, "APPLICATION_INCOMPLETE")
    assert list(refused["errors"]) == ["materials.2"]
    assert upload(api, token, case["id"], 2).status_code == 201
    again = submit(api, token, case["id"]).get_json()
    assert again["status"] == "submitted"
    assert [e["action"] for e in again["timeline"]] == ["submit", "request_correction", "resubmit"]


def act_with(api, headers, case_id, note, materials, action="request_correction"):
    return api.post(f"{BASE}/cases/{case_id}/{action}", json={"note": note, "materials": materials}, headers=headers)


def test_a_false_commitment_revokes_the_case_its_licence_and_future_commitments(api, sandbox, identity_app):
    token = citizen_face(api, sandbox, name="林晓岚")
    draft = create_draft(api, token, code=RESIDENCE_PERMIT)
    fill_form(api, token, draft)
    committed = next(m["position"] for m in draft["materials"] if m["commitment_allowed"])
    _commit(api, token, draft, committed)
    for material in draft["materials"]:
        if material["required"] and material["position"] != committed:
            assert upload(api, token, draft["id"], material["position"]).status_code == 201
    case = submit(api, token, draft["id"]).get_json()
    assert case["status"] == "submitted", case
    dept = case["department_code"]
    clerk = staff_token(api, identity_app, department=dept, role="window_clerk")
    reviewer = staff_token(api, identity_app, department=dept, role="reviewer")
    assert act(api, reviewer, case["id"], "accept").status_code == 200
    assert act(api, reviewer, case["id"], "approve").get_json()["status"] == "approved"
    with identity_app.app_context():
        licence = db.session.scalar(sa.select(ELicence).where(ELicence.source_ref == case["case_number"]))
        assert licence.status == "valid"
        db.session.remove()

    assert_error(act(api, clerk, case["id"], "revoke", "居住证明不实"), 403, "STAFF_ROLE_REQUIRED")
    assert_error(act(api, reviewer, case["id"], "revoke"), 422, "VALIDATION_ERROR")  # a reason is required
    others = [m["position"] for m in case["materials"] if m["position"] != committed]
    assert_error(act_with(api, reviewer, case["id"], "不实", others[:1], action="revoke"), 422, "NOT_A_COMMITMENT")
    resp = act(api, reviewer, case["id"], "revoke", "经核查，居住证明承诺不实")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "revoked"
    with identity_app.app_context():
        db.session.expire_all()
        licence = db.session.scalar(sa.select(ELicence).where(ELicence.source_ref == case["case_number"]))
        assert licence.status == "revoked" and "告知承诺不实" in licence.revoke_reason
        record = db.session.scalar(sa.select(FalseCommitment).where(FalseCommitment.case_id == case["id"]))
        assert record is not None and record.id_hash == id_hash(person("林晓岚")[1])
        assert [e.event_type for e in events_for("case", case["id"])][-1] == "case.revoke"
        db.session.remove()
    mine = api.get(f"{APPS}/{case['id']}", headers=bearer(token)).get_json()
    assert mine["status"] == "revoked" and mine["timeline"][-1]["note"] == "经核查，居住证明承诺不实"
    # the applicant can no longer replace proof by a commitment
    fresh = create_draft(api, token, code=RELIEF)
    income = next(m for m in fresh["materials"] if m["commitment_allowed"])
    resp = api.put(
        f"{APPS}/{fresh['id']}/materials/{income['position']}",
        json={"method": "commitment", "accept": True, "text_version": income["options"]["commitment"]["version"]},
        headers=bearer(token),
    )
    assert_error(resp, 403, "COMMITMENT_NOT_ALLOWED")
    # a revoked case is final
    assert_error(act(api, reviewer, case["id"], "conclude"), 409, "ILLEGAL_TRANSITION")


def test_revoke_needs_a_commitment(api, identity_app):
    token = citizen(api)
    draft = create_draft(api, token, code=RELIEF)
    fill_form(api, token, draft)
    for material in draft["materials"]:
        if material["required"]:
            assert upload(api, token, draft["id"], material["position"]).status_code == 201
    case = submit(api, token, draft["id"]).get_json()
    head = staff_token(api, identity_app, department=case["department_code"], role="department_head")
    assert_error(act(api, head, case["id"], "revoke", "不实"), 422, "NOT_A_COMMITMENT")
    assert api.get(f"{APPS}/{case['id']}", headers=bearer(token)).get_json()["status"] == "submitted"


def test_concurrent_repeats_of_an_instant_submit_issue_one_licence(api, identity_app):
    import threading

    import pytest

    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    id_card = issue(identity_app, person=person("林晓岚"))
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    fill_form(api, token, draft)
    _use_licence(api, token, draft["id"], 0, id_card["id"])
    results: list = []
    barrier = threading.Barrier(6)

    def worker():
        client = identity_app.test_client()
        barrier.wait()
        resp = submit(client, token, draft["id"], key="instant-race-0001")
        results.append((resp.status_code, resp.get_json().get("status")))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(200, "approved")] * 6
    with identity_app.app_context():
        number = db.session.scalar(sa.text("SELECT case_number FROM cases WHERE id = :id"), {"id": draft["id"]})
        issued = db.session.scalar(
            sa.select(sa.func.count()).select_from(ELicence).where(ELicence.source_ref == number)
        )
        assert issued == 1
        types = [e.event_type for e in events_for("case", draft["id"])]
        assert types == ["case.submit", "case.instant_approve", "case.result_issued"]
        db.session.remove()
