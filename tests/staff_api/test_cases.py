"""The staff case API: the work queue, case detail, the staff moves with roles, department scope,
illegal moves and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.licences.models import ELicence
from app.outbox import events_for
from app.staff.models import StaffAction
from tests.cases.helpers import APPS, submit
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import BASE, act, other_department, staff_token, submitted_case


def _audit(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(StaffAction.action, StaffAction.outcome).order_by(StaffAction.id)).all()
        db.session.remove()
    return [tuple(r) for r in rows if r[0].startswith("case.")]


def test_end_to_end_submit_accept_approve_conclude(api, identity_app):
    citizen_token, case = submitted_case(api)
    dept = case["department_code"]
    clerk = staff_token(api, identity_app, department=dept, role="window_clerk")
    reviewer = staff_token(api, identity_app, department=dept, role="reviewer")

    queue = api.get(f"{BASE}/departments/{dept}/cases", headers=clerk)
    body = queue.get_json()
    assert queue.status_code == 200, body
    assert body["total"] == 1 and body["page"] == 1 and body["page_size"] == 20
    [row] = body["items"]
    assert row["id"] == case["id"] and row["case_number"] == case["case_number"]
    assert row["status"] == "submitted" and row["service_name"] == case["service_name"]
    assert row["applicant_masked"] == "**岚"  # 林晓岚, masked
    assert row["supervision"] in {"green", "yellow"} and row["deadline"] >= row["submitted_at"][:10]
    assert "林晓岚" not in queue.get_data(as_text=True)

    detail = api.get(f"{BASE}/cases/{case['id']}", headers=clerk).get_json()
    assert detail["form_data"] and detail["applicant_masked"] == "**岚"
    assert [(m["position"], m["method"], m["met"]) for m in detail["materials"] if m["required"]] == [
        (0, "upload", True)
    ]
    assert detail["materials"][0]["files"] and "options" not in detail["materials"][0]

    assert act(api, clerk, case["id"], "accept", "材料齐全，予以受理").status_code == 200
    approved = act(api, reviewer, case["id"], "approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    # 户籍证明's result is an e-licence (L-HJZM): issued to the applicant by the item's department
    issued = approved.get_json()["timeline"][-1]
    assert issued["action"] == "issue_licence" and issued["to_status"] == "approved"
    wallet = api.get("/api/v1/licences", headers=bearer(citizen_token)).get_json()
    [licence] = [lic for lic in wallet["items"] if lic["licence_type"]["code"] == "L-HJZM"]
    assert licence["identifier"] in issued["note"] and licence["status"] == "valid"
    done = act(api, reviewer, case["id"], "conclude", "办结")
    body = done.get_json()
    assert done.status_code == 200 and body["status"] == "concluded" and body["supervision"] is None
    assert [(e["action"], e["to_status"]) for e in body["timeline"]] == [
        ("submit", "submitted"),
        ("accept", "accepted"),
        ("approve", "approved"),
        ("issue_licence", "approved"),
        ("conclude", "concluded"),
    ]
    assert body["timeline"][1]["note"] == "材料齐全，予以受理" and body["timeline"][1]["actor"].startswith("staff:")
    # the citizen sees the outcome; the outbox carries each move
    mine = api.get(f"{APPS}/{case['id']}", headers=bearer(citizen_token)).get_json()
    assert mine["status"] == "concluded"
    with identity_app.app_context():
        assert [e.event_type for e in events_for("case", case["id"])] == [
            "case.submit",
            "case.accept",
            "case.approve",
            "case.result_issued",
            "case.conclude",
        ]
        with_source = db.session.scalar(sa.select(ELicence).where(ELicence.source_ref == case["case_number"]))
        assert with_source is not None and with_source.issuer.code == case["department_code"]
        db.session.remove()
    assert _audit(identity_app) == [
        ("case.read", "ok"),
        ("case.accept", "ok"),
        ("case.approve", "ok"),
        ("case.conclude", "ok"),
    ]


def test_correction_then_resubmit_then_accept(api, identity_app):
    citizen_token, case = submitted_case(api)
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    assert_error(act(api, clerk, case["id"], "request_correction"), 422, "VALIDATION_ERROR")
    resp = act(api, clerk, case["id"], "request_correction", "户口簿复印件不清晰，请重新上传")
    assert resp.status_code == 200 and resp.get_json()["status"] == "correction_requested"
    assert resp.get_json()["correction_note"] == "户口簿复印件不清晰，请重新上传"
    mine = api.get(f"{APPS}/{case['id']}", headers=bearer(citizen_token)).get_json()
    assert mine["status"] == "correction_requested" and mine["correction_note"].startswith("户口簿")
    again = submit(api, citizen_token, case["id"])
    assert again.status_code == 200 and again.get_json()["status"] == "submitted", again.get_json()
    accepted = act(api, clerk, case["id"], "accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert [e["action"] for e in accepted.get_json()["timeline"]] == [
        "submit",
        "request_correction",
        "resubmit",
        "accept",
    ]


def test_rejected_at_intake(api, identity_app):
    citizen_token, case = submitted_case(api)
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    assert_error(act(api, clerk, case["id"], "reject", "  "), 422, "VALIDATION_ERROR")
    resp = act(api, clerk, case["id"], "reject", "不属于本部门受理范围")
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    assert resp.get_json()["supervision"] is None
    mine = api.get(f"{APPS}/{case['id']}", headers=bearer(citizen_token)).get_json()
    assert mine["status"] == "rejected" and mine["timeline"][-1]["note"] == "不属于本部门受理范围"
    # closed: no further move
    assert_error(act(api, clerk, case["id"], "accept"), 409, "ILLEGAL_TRANSITION")


def test_role_refusals(api, identity_app):
    citizen_token, case = submitted_case(api)
    dept = case["department_code"]
    clerk = staff_token(api, identity_app, department=dept, role="window_clerk")
    head = staff_token(api, identity_app, department=dept, role="department_head")
    for action in ("approve", "deny", "conclude"):
        body = assert_error(act(api, clerk, case["id"], action, "理由"), 403, "STAFF_ROLE_REQUIRED")
        assert body["details"]["auth"]["role"] == "window_clerk"
    # a citizen token is no staff token; no token at all is refused too
    assert_error(act(api, bearer(citizen_token), case["id"], "accept"), 401, "STAFF_TOKEN_INVALID")
    assert_error(api.post(f"{BASE}/cases/{case['id']}/accept", json={}), 401, "STAFF_TOKEN_MISSING")
    assert_error(api.get(f"{BASE}/departments/{dept}/cases", headers=bearer(citizen_token)), 401, "STAFF_TOKEN_INVALID")
    # nothing moved; the head may do what the clerk can and decide
    assert act(api, head, case["id"], "accept").status_code == 200
    denied = act(api, head, case["id"], "deny", "不符合条件")
    assert denied.status_code == 200 and denied.get_json()["status"] == "denied"
    assert ("case.approve", "staff_role_required") in _audit(identity_app)


def test_another_departments_staff(api, identity_app):
    _, case = submitted_case(api)
    other = other_department(identity_app, case["department_code"])
    outsider = staff_token(api, identity_app, department=other, role="department_head")
    assert_error(
        api.get(f"{BASE}/departments/{case['department_code']}/cases", headers=outsider), 403, "DEPARTMENT_SCOPE"
    )
    assert_error(api.get(f"{BASE}/cases/{case['id']}", headers=outsider), 404, "APPLICATION_NOT_FOUND")
    for action, note in [
        ("accept", None),
        ("reject", "不属于受理范围"),
        ("request_correction", "补正"),
        ("approve", None),
        ("deny", "不符合条件"),
        ("revoke", "承诺不实"),
        ("conclude", None),
    ]:
        assert_error(act(api, outsider, case["id"], action, note=note), 404, "APPLICATION_NOT_FOUND")
    own = api.get(f"{BASE}/departments/{other}/cases", headers=outsider).get_json()
    assert own["total"] == 0 and own["items"] == []
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    detail = api.get(f"{BASE}/cases/{case['id']}", headers=clerk).get_json()
    assert detail["status"] == "submitted" and [e["action"] for e in detail["timeline"]] == ["submit"]


def test_illegal_transitions_are_409(api, identity_app):
    _, case = submitted_case(api)
    reviewer = staff_token(api, identity_app, department=case["department_code"], role="reviewer")
    body = assert_error(act(api, reviewer, case["id"], "approve"), 409, "ILLEGAL_TRANSITION")
    assert body["details"]["status"] == {"current": "submitted", "action": "approve"}
    assert_error(act(api, reviewer, case["id"], "conclude"), 409, "ILLEGAL_TRANSITION")
    assert act(api, reviewer, case["id"], "accept").status_code == 200
    assert_error(act(api, reviewer, case["id"], "accept"), 409, "ILLEGAL_TRANSITION")
    assert ("case.approve", "illegal_transition") in _audit(identity_app)
    # unknown action, unknown case, unknown body field
    assert api.post(f"{BASE}/cases/{case['id']}/explode", json={}, headers=reviewer).status_code == 404
    assert_error(act(api, reviewer, 999_999, "approve"), 404, "APPLICATION_NOT_FOUND")
    assert api.post(f"{BASE}/cases/{case['id']}/approve", json={"x": 1}, headers=reviewer).status_code == 422


def test_drafts_are_not_in_the_queue_and_filters(api, identity_app):
    from tests.cases.helpers import create_draft

    citizen_token, case = submitted_case(api)
    create_draft(api, citizen_token)  # a draft: not the department's business yet
    dept = case["department_code"]
    clerk = staff_token(api, identity_app, department=dept, role="window_clerk")
    assert api.get(f"{BASE}/departments/{dept}/cases", headers=clerk).get_json()["total"] == 1
    assert api.get(f"{BASE}/departments/{dept}/cases?status=accepted", headers=clerk).get_json()["total"] == 0
    assert api.get(f"{BASE}/departments/{dept}/cases?status=submitted", headers=clerk).get_json()["total"] == 1
    assert api.get(f"{BASE}/departments/{dept}/cases?status=bogus", headers=clerk).status_code == 422
    assert api.get(f"{BASE}/departments/{dept}/cases?page_size=101", headers=clerk).status_code == 422


def test_approval_without_a_licence_result_issues_nothing(api, identity_app):
    from tests.cases.helpers import RELIEF, citizen, ready_draft, submit

    token = citizen(api)
    draft = ready_draft(api, token, code=RELIEF)  # 临时救助: the result is a decision, no e-licence
    case = submit(api, token, draft["id"]).get_json()
    reviewer = staff_token(api, identity_app, department=case["department_code"], role="reviewer")
    assert act(api, reviewer, case["id"], "accept").status_code == 200
    body = act(api, reviewer, case["id"], "approve").get_json()
    assert [e["action"] for e in body["timeline"]] == ["submit", "accept", "approve"]
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ELicence)) == 0
        db.session.remove()


def test_a_licence_that_cannot_be_issued_leaves_the_case_accepted(api, identity_app):
    from app.catalog.models import Department

    _, case = submitted_case(api)
    dept = case["department_code"]
    reviewer = staff_token(api, identity_app, department=dept, role="reviewer")
    assert act(api, reviewer, case["id"], "accept").status_code == 200
    with identity_app.app_context():
        issuer = db.session.scalar(sa.select(Department).where(Department.code == dept))
        uscc, issuer.uscc = issuer.uscc, None
        db.session.commit()
        db.session.remove()
    try:
        assert_error(act(api, reviewer, case["id"], "approve"), 422, "UNKNOWN_ISSUER")
    finally:
        with identity_app.app_context():
            issuer = db.session.scalar(sa.select(Department).where(Department.code == dept))
            issuer.uscc = uscc
            db.session.commit()
            db.session.remove()
    detail = api.get(f"{BASE}/cases/{case['id']}", headers=reviewer).get_json()
    assert detail["status"] == "accepted" and [e["action"] for e in detail["timeline"]] == ["submit", "accept"]
    assert act(api, reviewer, case["id"], "approve").get_json()["status"] == "approved"
