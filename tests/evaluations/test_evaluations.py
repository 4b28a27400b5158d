"""好差评: once per concluded case, only by its applicant; bad ratings followed up within 15
working days; staff reply within their department; the citizen confirms."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from app.cases.queue import today
from app.evaluations import service as evaluations
from app.evaluations.models import Evaluation
from app.extensions import db
from app.staff.models import StaffAction, StaffRole
from tests.cases.helpers import citizen
from tests.dialect import on_postgres
from tests.engagement import concluded_case, move, nth_working_day_after, read
from tests.engagement import payloads as events
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import BASE, other_department, staff_token, submitted_case

DEPT = "YQX-GA"  # 户籍证明开具


def url(case_id: int) -> str:
    return f"/api/v1/applications/{case_id}/evaluation"


def count(app, model, *where) -> int:
    return read(app, lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)))


def test_good_rating_once_and_never_changed(api, identity_app):
    token, case = concluded_case(api, identity_app)
    submitted_case(api, token=token)  # still open: not awaiting a rating
    awaiting = api.get("/api/v1/evaluations/awaiting", headers=bearer(token)).get_json()
    assert [i["case_id"] for i in awaiting["items"]] == [case["id"]] and awaiting["total"] == 1
    body = {"score": 5, "answers": {"attitude": 5, "efficiency": 4}, "comment": "办理很快"}
    resp = api.post(url(case["id"]), json=body, headers=bearer(token))
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    assert out["label"] == "非常满意" and out["followup"] is None and out["answers"] == {"attitude": 5, "efficiency": 4}
    again = api.post(url(case["id"]), json={"score": 1}, headers=bearer(token))
    assert_error(again, 409, "ALREADY_RATED")
    assert count(identity_app, Evaluation) == 1
    assert read(identity_app, lambda: db.session.scalar(sa.select(Evaluation.score))) == 5
    assert events(identity_app, "evaluation.followup_opened") == []
    assert api.get(url(case["id"]), headers=bearer(token)).get_json()["score"] == 5
    assert api.get("/api/v1/evaluations/awaiting", headers=bearer(token)).get_json()["total"] == 0


def test_only_the_applicant_rates(api, identity_app):
    _, case = concluded_case(api, identity_app)
    stranger = citizen(api, name="陈云栖")
    assert_error(api.post(url(case["id"]), json={"score": 1}, headers=bearer(stranger)), 404, "APPLICATION_NOT_FOUND")
    assert_error(api.get(url(case["id"]), headers=bearer(stranger)), 404, "EVALUATION_NOT_FOUND")
    assert count(identity_app, Evaluation) == 0


@pytest.mark.parametrize("moves", [(), ("accept",), ("accept", "approve")])
def test_no_rating_before_conclusion(api, identity_app, moves):
    token, case = submitted_case(api)
    move(identity_app, case["id"], *moves)
    assert_error(api.post(url(case["id"]), json={"score": 4}, headers=bearer(token)), 409, "CASE_NOT_CONCLUDED")
    assert count(identity_app, Evaluation) == 0


def test_withdrawn_is_not_rated_rejected_is(api, identity_app):
    token, withdrawn = submitted_case(api)
    assert api.post(f"/api/v1/applications/{withdrawn['id']}/withdraw", headers=bearer(token)).status_code == 200
    assert_error(api.post(url(withdrawn["id"]), json={"score": 4}, headers=bearer(token)), 409, "CASE_NOT_CONCLUDED")
    _, rejected = submitted_case(api, token=token)
    move(identity_app, rejected["id"], "reject")
    assert api.post(url(rejected["id"]), json={"score": 3}, headers=bearer(token)).status_code == 201


def test_bad_input_changes_nothing(api, identity_app):
    token, case = concluded_case(api, identity_app)
    for body in ({"score": 6}, {"score": 0}, {}, {"score": 4, "answers": {"nonsense": 3}}, {"score": 4, "extra": 1}):
        assert_error(api.post(url(case["id"]), json=body, headers=bearer(token)), 422, "VALIDATION_ERROR")
    assert count(identity_app, Evaluation) == 0


def test_bad_rating_follow_up_reply_and_confirmation(api, identity_app):
    token, case = concluded_case(api, identity_app)
    resp = api.post(url(case["id"]), json={"score": 2, "comment": "窗口说明不清楚"}, headers=bearer(token))
    assert resp.status_code == 201, resp.get_json()
    followup = resp.get_json()["followup"]
    assert followup["status"] == "open"
    assert followup["due_on"] == nth_working_day_after(today(), 15).isoformat()
    [opened] = events(identity_app, "evaluation.followup_opened")
    assert opened["account_id"] and opened["case_id"] == case["id"]
    assert opened["case_number"] == case["case_number"] and opened["service_name"] == "户籍证明开具"
    ev_id = resp.get_json()["id"]

    # the citizen cannot confirm before a reply
    assert_error(
        api.post(url(case["id"]) + "/resolution", json={"resolved": True}, headers=bearer(token)),
        409,
        "FOLLOWUP_NOT_REPLIED",
    )
    # another department does not see it; a window clerk may not reply
    other = staff_token(api, identity_app, department=other_department(identity_app, DEPT), role=StaffRole.REVIEWER)
    assert_error(
        api.post(f"{BASE}/evaluations/{ev_id}/reply", json={"reply": "已整改"}, headers=other),
        404,
        "EVALUATION_NOT_FOUND",
    )
    assert_error(api.get(f"{BASE}/departments/{DEPT}/evaluations", headers=other), 403, "DEPARTMENT_SCOPE")
    clerk = staff_token(api, identity_app, department=DEPT, role=StaffRole.WINDOW_CLERK)
    assert_error(
        api.post(f"{BASE}/evaluations/{ev_id}/reply", json={"reply": "已整改"}, headers=clerk),
        403,
        "STAFF_ROLE_REQUIRED",
    )
    listed = api.get(f"{BASE}/departments/{DEPT}/evaluations?followup=open", headers=clerk).get_json()
    assert [i["id"] for i in listed["items"]] == [ev_id]

    reviewer = staff_token(api, identity_app, department=DEPT, role=StaffRole.REVIEWER)
    resp = api.post(f"{BASE}/evaluations/{ev_id}/reply", json={"reply": "已对窗口人员进行培训"}, headers=reviewer)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["followup"]["status"] == "replied"
    assert_error(
        api.post(f"{BASE}/evaluations/{ev_id}/reply", json={"reply": "再次回复"}, headers=reviewer),
        409,
        "FOLLOWUP_NOT_OPEN",
    )
    [replied] = events(identity_app, "evaluation.replied")
    assert replied["account_id"] == opened["account_id"]
    assert count(identity_app, StaffAction, StaffAction.action == "evaluation.reply") == 1

    seen = api.get(url(case["id"]), headers=bearer(token)).get_json()["followup"]
    assert seen["reply"] == "已对窗口人员进行培训" and seen["status"] == "replied"
    resp = api.post(url(case["id"]) + "/resolution", json={"resolved": False}, headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["followup"]["resolved"] is False
    assert resp.get_json()["followup"]["status"] == "closed"
    assert_error(
        api.post(url(case["id"]) + "/resolution", json={"resolved": True}, headers=bearer(token)),
        409,
        "FOLLOWUP_NOT_REPLIED",
    )


@pytest.mark.parametrize(
    ("rated_on", "due_on"),
    [
        # Friday before the Spring Festival: the make-up Saturday 2/14 counts, 2/15–2/23 do not,
        # the make-up Saturday 2/28 counts
        (date(2026, 2, 13), date(2026, 3, 12)),
        # the Thursday before 中秋 + 国庆 (9/25–9/27, 10/1–10/7; make-up Saturday 10/10)
        (date(2026, 9, 24), date(2026, 10, 22)),
        # an ordinary Saturday: counting starts on Monday
        (date(2026, 3, 7), date(2026, 3, 27)),
        # 元旦 1/1–1/3 and the make-up Sunday 1/4
        (date(2025, 12, 31), date(2026, 1, 22)),
    ],
)
def test_follow_up_deadline_counts_working_days(actx, rated_on, due_on):
    assert evaluations.followup_due(rated_on) == due_on
    assert nth_working_day_after(rated_on, 15) == due_on  # the independent count agrees


def test_concurrent_ratings_store_one(api, identity_app):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; races are tested on PostgreSQL")
    token, case = concluded_case(api, identity_app)
    results: list[int] = []
    barrier = threading.Barrier(6)

    def worker(score):
        client = identity_app.test_client()
        barrier.wait()
        results.append(client.post(url(case["id"]), json={"score": score}, headers=bearer(token)).status_code)

    threads = [threading.Thread(target=worker, args=(1 + i % 5,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409, 409, 409, 409, 409]
    assert count(identity_app, Evaluation) == 1
    bad = read(identity_app, lambda: db.session.scalar(sa.select(Evaluation.score))) in (1, 2)
    assert len(events(identity_app, "evaluation.followup_opened")) == (1 if bad else 0)
