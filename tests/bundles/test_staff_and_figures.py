"""Staff: a member case shows its bundle and the other members' state; supervision follows the
bundle's promise as well as the item's. Figures: bundles submitted, items per bundle, materials
asked once, visits avoided, completion against the promise."""

from __future__ import annotations

import sqlalchemy as sa

from app.cases import queue
from app.cases.models import Case
from app.catalog.bundle_models import Bundle
from app.catalog.models import ServiceItem
from app.extensions import db
from app.workdays import add_working_days
from tests.bundles.helpers import HUJI, PENSION, decide, officer, ready, staff_act, submit
from tests.cases.helpers import citizen
from tests.jobs import run_jobs
from tests.staff.helpers import BASE as STAFF


def _submitted(api, trio, answers, *, name: str = "林晓岚"):
    token = citizen(api, name=name)
    body = submit(api, token, ready(api, token, trio, answers)["id"]).get_json()
    return token, body


def test_a_member_case_shows_its_bundle_to_its_department(api, identity_app, trio):
    _, body = _submitted(api, trio, {"need_medical": False})
    huji = next(m for m in body["members"] if m["service_code"] == HUJI)
    resp = api.get(f"{STAFF}/cases/{huji['case_id']}", headers=officer(api, identity_app, "YQX-GA"))
    assert resp.status_code == 200, resp.get_json()
    bundle = resp.get_json()["bundle"]
    assert bundle["id"] == body["id"] and bundle["bundle_name"] == "测试一件事"
    assert {m["service_code"]: m["status"] for m in bundle["members"]} == {HUJI: "submitted", PENSION: "submitted"}
    # the other department's decision shows up in this department's view
    decide(api, identity_app, next(m for m in body["members"] if m["service_code"] == PENSION))
    again = api.get(f"{STAFF}/cases/{huji['case_id']}", headers=officer(api, identity_app, "YQX-GA")).get_json()
    assert {m["service_code"]: m["status"] for m in again["bundle"]["members"]}[PENSION] == "approved"


def test_a_case_on_its_own_has_no_bundle(api, identity_app):
    from tests.staff_api.helpers import submitted_case

    _, case = submitted_case(api)
    resp = api.get(f"{STAFF}/cases/{case['id']}", headers=officer(api, identity_app, "YQX-GA"))
    assert resp.get_json()["bundle"] is None


def test_supervision_follows_the_bundle_promise_when_it_is_shorter(api, identity_app, trio):
    item = sa.update(ServiceItem).where(ServiceItem.implementation_code == HUJI)
    with identity_app.app_context():
        before = queue.promised_limits({HUJI})[HUJI]
        db.session.execute(item.values(promised_time_limit=5))  # the item alone: 5 working days
        db.session.execute(sa.update(Bundle).where(Bundle.code == trio).values(promised_time_limit=1))
        db.session.commit()
        db.session.remove()
    try:
        _, body = _submitted(api, trio, {"need_medical": False})
        member = next(m for m in body["members"] if m["service_code"] == HUJI)
        page = api.get(f"{STAFF}/departments/YQX-GA/cases", headers=officer(api, identity_app, "YQX-GA")).get_json()
        row = next(i for i in page["items"] if i["id"] == member["case_id"])
        with identity_app.app_context():
            cal = queue.calendar()
            received = queue.received_on(db.session.get(Case, member["case_id"]).submitted_at, cal)
            db.session.remove()
        assert row["promised_time_limit"] == 5
        assert row["deadline"] == add_working_days(received, 1, cal).isoformat()  # the bundle's, not the item's
    finally:
        with identity_app.app_context():
            db.session.execute(item.values(promised_time_limit=before))
            db.session.commit()
            db.session.remove()


def test_figures_count_bundles_items_materials_visits_and_completion(api, identity_app, trio):
    _, first = _submitted(api, trio, {"need_medical": True})
    _, second = _submitted(api, trio, {"need_medical": False}, name="陈云栖")
    for member in second["members"]:
        decide(api, identity_app, member)
        headers = officer(api, identity_app, member["department_code"])
        assert staff_act(api, headers, member["case_id"], "conclude").status_code == 200
    run_jobs(identity_app)
    resp = api.get("/api/v1/stats/bundles")
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    total = out["overall"]
    assert total["submitted"] == 2 and total["items"] == 5 and total["items_per_bundle"] == 2.5
    # 3 + 2 member checklists merged: 居民身份证 and 户口簿 asked once per bundle
    assert total["materials_if_separate"] - total["materials_asked"] == total["materials_saved"] > 0
    assert total["visits_avoided"] >= 5
    assert total["concluded"] == 1 and total["within_promise"] == 1 and total["within_promise_rate"] == 1.0
    assert [r["bundle_code"] for r in out["by_bundle"]] == [trio]
    bad = api.get("/api/v1/stats/bundles?from=2026-05-01&to=2026-01-01")
    assert bad.status_code == 422
