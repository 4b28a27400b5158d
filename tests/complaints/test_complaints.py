"""Consultations and complaints: routed to the responsible department, answer deadline in working
days, staff see and answer only their department's, the citizen rates the answer once."""

from __future__ import annotations

import sqlalchemy as sa

from app.appointments.seed import ensure_halls
from app.cases.queue import today
from app.complaints.models import Complaint
from app.extensions import db
from app.staff.models import StaffAction, StaffRole
from tests.cases.helpers import HUJI, RELIEF, citizen
from tests.engagement import TEST_HALL, account_of, nth_working_day_after, payloads, read
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import BASE, staff_token, submitted_case

URL = "/api/v1/complaints"


def file(api, token, **body):
    base = {"kind": "complaint", "title": "办理太慢", "content": "等了很久没有进展"}
    return api.post(URL, json={**base, **body}, headers=bearer(token))


def stored(app) -> int:
    return read(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)))


def test_routing_by_item_case_and_hall(api, identity_app):
    token = citizen(api)
    resp = file(api, token, subject_type="item", service_code=RELIEF, kind="consultation", title="临时救助条件")
    assert resp.status_code == 201, resp.get_json()
    consult = resp.get_json()
    assert consult["department_code"] == "YQX-MZ" and consult["department_name"] == "云栖县民政局"
    assert consult["subject_name"] == "临时救助" and consult["status"] == "open"
    assert consult["due_on"] == nth_working_day_after(today(), 5).isoformat()

    _, case = submitted_case(api, token=token)
    about_case = file(api, token, subject_type="case", case_id=case["id"]).get_json()
    assert about_case["department_code"] == "YQX-GA" and case["case_number"] in about_case["subject_name"]
    assert about_case["due_on"] == nth_working_day_after(today(), 15).isoformat()

    read(identity_app, lambda: (ensure_halls([TEST_HALL]), db.session.commit()))
    about_hall = file(api, token, subject_type="hall", hall_code="T-HALL").get_json()
    assert about_hall["department_code"] == "YQX-ZWFW" and about_hall["subject_name"] == "测试政务服务大厅"

    received = payloads(identity_app, "complaint.received")
    assert len(received) == 3 and {p["account_id"] for p in received} == {account_of(identity_app, token)}
    [with_case] = [p for p in received if p.get("case_id")]
    assert with_case["case_number"] == case["case_number"] and with_case["service_name"] == "户籍证明开具"


def test_bad_subjects_change_nothing(api, identity_app):
    token = citizen(api)
    _, others_case = submitted_case(api, token=citizen(api, name="陈云栖"))
    assert_error(file(api, token, subject_type="case", case_id=others_case["id"]), 404, "APPLICATION_NOT_FOUND")
    assert_error(file(api, token, subject_type="item"), 422, "VALIDATION_ERROR")
    assert_error(file(api, token, subject_type="item", service_code=HUJI, hall_code="T-HALL"), 422, "VALIDATION_ERROR")
    assert_error(file(api, token, subject_type="hall", hall_code="NOPE"), 404, "HALL_NOT_FOUND")
    assert file(api, token, subject_type="item", service_code="0000").status_code == 404
    assert_error(file(api, token, subject_type="item", service_code=HUJI, kind="praise"), 422, "VALIDATION_ERROR")
    assert_error(file(api, token, subject_type="item", service_code=HUJI, content=""), 422, "VALIDATION_ERROR")
    assert stored(identity_app) == 0 and payloads(identity_app, "complaint.received") == []


def test_staff_scope_answer_and_citizen_rating(api, identity_app):
    token = citizen(api)
    complaint = file(api, token, subject_type="item", service_code=HUJI).get_json()
    question = file(api, token, subject_type="item", service_code=HUJI, kind="consultation").get_json()
    mz = staff_token(api, identity_app, department="YQX-MZ", role=StaffRole.DEPARTMENT_HEAD)
    ga_clerk = staff_token(api, identity_app, department="YQX-GA", role=StaffRole.WINDOW_CLERK)
    ga_reviewer = staff_token(api, identity_app, department="YQX-GA", role=StaffRole.REVIEWER)

    # another department: cannot list ours, cannot answer ours, does not see it in its own queue
    assert_error(api.get(f"{BASE}/departments/YQX-GA/complaints", headers=mz), 403, "DEPARTMENT_SCOPE")
    assert_error(
        api.post(f"{BASE}/complaints/{complaint['id']}/answer", json={"answer": "已处理"}, headers=mz),
        404,
        "COMPLAINT_NOT_FOUND",
    )
    assert api.get(f"{BASE}/departments/YQX-MZ/complaints", headers=mz).get_json()["total"] == 0
    # our department sees both, earliest deadline (the consultation) first
    queue = api.get(f"{BASE}/departments/YQX-GA/complaints", headers=ga_clerk).get_json()
    assert [i["id"] for i in queue["items"]] == [question["id"], complaint["id"]]

    assert_error(
        api.post(URL + f"/{complaint['id']}/rating", json={"rating": 4}, headers=bearer(token)), 409, "NOT_ANSWERED"
    )
    # a clerk answers consultations, not complaints
    assert_error(
        api.post(f"{BASE}/complaints/{complaint['id']}/answer", json={"answer": "已处理"}, headers=ga_clerk),
        403,
        "STAFF_ROLE_REQUIRED",
    )
    resp = api.post(f"{BASE}/complaints/{question['id']}/answer", json={"answer": "线上即可办理"}, headers=ga_clerk)
    assert resp.status_code == 200 and resp.get_json()["status"] == "answered"
    resp = api.post(
        f"{BASE}/complaints/{complaint['id']}/answer", json={"answer": "已督促窗口加快办理"}, headers=ga_reviewer
    )
    assert resp.status_code == 200, resp.get_json()
    assert_error(
        api.post(f"{BASE}/complaints/{complaint['id']}/answer", json={"answer": "再答"}, headers=ga_reviewer),
        409,
        "ALREADY_ANSWERED",
    )
    answered = payloads(identity_app, "complaint.answered")
    assert len(answered) == 2 and all(p["account_id"] == account_of(identity_app, token) for p in answered)
    audited = read(
        identity_app,
        lambda: db.session.scalars(sa.select(StaffAction.action).where(StaffAction.action.like("%.answer"))).all(),
    )
    assert sorted(audited) == ["complaint.answer", "consultation.answer"]

    # the citizen sees the answer and rates it once; nobody else sees it
    mine = api.get(f"{URL}/{complaint['id']}", headers=bearer(token)).get_json()
    assert mine["answer"] == "已督促窗口加快办理"
    stranger = citizen(api, name="陈云栖")
    assert_error(api.get(f"{URL}/{complaint['id']}", headers=bearer(stranger)), 404, "COMPLAINT_NOT_FOUND")
    assert_error(
        api.post(URL + f"/{complaint['id']}/rating", json={"rating": 5}, headers=bearer(stranger)),
        404,
        "COMPLAINT_NOT_FOUND",
    )
    resp = api.post(URL + f"/{complaint['id']}/rating", json={"rating": 4}, headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["rating"] == 4
    assert_error(
        api.post(URL + f"/{complaint['id']}/rating", json={"rating": 1}, headers=bearer(token)), 409, "ALREADY_RATED"
    )
    assert api.get(URL, headers=bearer(token)).get_json()["total"] == 2
