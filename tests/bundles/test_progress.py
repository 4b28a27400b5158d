"""The whole's progress from its members: a correction on one member, a denied member and its
dependants, a withdrawal, all concluded — one bundle step (and one message event) each."""

from __future__ import annotations

import sqlalchemy as sa

from app.bundles.models import BundleStep
from app.extensions import db
from app.outbox import OutboxEvent
from tests.bundles.helpers import BUNDLES, HUJI, MEDICAL, PENSION, decide, officer, ready, staff_act, submit, view
from tests.cases.helpers import APPS, citizen
from tests.cases.helpers import submit as submit_case
from tests.cases.helpers import upload as upload_case
from tests.identity.helpers import bearer
from tests.jobs import run_jobs


def _submitted(api, token, trio, answers):
    body = ready(api, token, trio, answers)
    resp = submit(api, token, body["id"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _member(body, code):
    return next(m for m in body["members"] if m["service_code"] == code)


def _steps(app_id):
    return [
        s.action
        for s in db.session.scalars(
            sa.select(BundleStep).where(BundleStep.application_id == app_id).order_by(BundleStep.id)
        )
    ]


def test_a_correction_on_one_member_asks_only_what_it_needs(api, actx, identity_app, trio):
    token = citizen(api)
    body = _submitted(api, token, trio, {"need_medical": False})
    huji = _member(body, HUJI)
    case = api.get(f"{APPS}/{huji['case_id']}", headers=bearer(token)).get_json()
    proxy = next(m for m in case["materials"] if m["material_type_code"] == "M-WTS")
    headers = officer(api, identity_app, "YQX-GA")
    resp = staff_act(api, headers, huji["case_id"], "request_correction", "委托书不清晰", materials=[proxy["position"]])
    assert resp.status_code == 200, resp.get_json()
    out = view(api, token, body["id"])
    assert out["status"] == "correction_needed"
    huji = _member(out, HUJI)
    assert huji["status"] == "correction_requested" and "委托书" in huji["correction_note"]
    assert _member(out, PENSION)["status"] == "submitted" and _member(out, PENSION)["correction_note"] is None
    run_jobs(identity_app)
    assert _steps(body["id"]) == ["submitted", "correction_requested"]
    # the citizen answers through the member case: only that material is asked again
    case = api.get(f"{APPS}/{huji['case_id']}", headers=bearer(token)).get_json()
    assert [m["name"] for m in case["materials"] if m["needs_correction"]] == [proxy["name"]]
    assert upload_case(api, token, huji["case_id"], proxy["position"]).status_code == 201
    resp = submit_case(api, token, huji["case_id"])
    assert resp.status_code == 200, resp.get_json()
    run_jobs(identity_app)
    out = view(api, token, body["id"])
    assert out["status"] == "in_progress"
    assert _member(out, HUJI)["status"] == "submitted"
    # one bundle step per meaningful moment: the resubmission is not one
    assert _steps(body["id"]) == ["submitted", "correction_requested"]


def test_a_denied_member_withdraws_only_its_dependants(api, actx, identity_app, trio):
    token = citizen(api)
    body = _submitted(api, token, trio, {"need_medical": True})
    decide(api, identity_app, _member(body, PENSION), action="deny", note="不符合参保条件")
    run_jobs(identity_app)
    out = view(api, token, body["id"])
    assert _member(out, PENSION)["status"] == "denied"
    assert _member(out, MEDICAL)["status"] == "withdrawn"  # depends on the pension member
    assert _member(out, HUJI)["status"] == "submitted"  # does not
    assert out["status"] == "in_progress"
    assert _steps(body["id"]) == ["submitted", "member_denied"]
    event = db.session.scalar(sa.select(OutboxEvent).where(OutboxEvent.event_type == "bundle.member_denied"))
    assert event.payload["withdrawn"] == [MEDICAL]


def test_a_denial_without_dependants_leaves_the_others(api, actx, identity_app, trio):
    token = citizen(api)
    body = _submitted(api, token, trio, {"need_medical": True})
    decide(api, identity_app, _member(body, HUJI), action="deny", note="材料不符")
    run_jobs(identity_app)
    out = view(api, token, body["id"])
    assert [m["status"] for m in out["members"]] == ["denied", "submitted", "submitted"]


def test_withdrawing_the_bundle_withdraws_the_members_not_yet_decided(api, actx, identity_app, trio):
    token = citizen(api)
    body = _submitted(api, token, trio, {"need_medical": True})
    decide(api, identity_app, _member(body, HUJI))
    resp = api.post(f"{BUNDLES}/{body['id']}/withdraw", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert out["status"] == "withdrawn"
    assert [m["status"] for m in out["members"]] == ["approved", "withdrawn", "withdrawn"]
    again = api.post(f"{BUNDLES}/{body['id']}/withdraw", headers=bearer(token))
    assert again.status_code == 409
    run_jobs(identity_app)
    assert _steps(body["id"]) == ["submitted", "withdrawn"]


def test_a_draft_cannot_be_withdrawn(api, trio):
    token = citizen(api)
    body = ready(api, token, trio, {"need_medical": False})
    assert api.post(f"{BUNDLES}/{body['id']}/withdraw", headers=bearer(token)).status_code == 409


def test_all_concluded_is_one_step(api, actx, identity_app, trio):
    token = citizen(api)
    body = _submitted(api, token, trio, {"need_medical": False})
    for member in body["members"]:
        decide(api, identity_app, member)
    run_jobs(identity_app)
    assert _steps(body["id"]) == ["submitted", "results_ready"]
    for member in body["members"]:
        headers = officer(api, identity_app, member["department_code"])
        assert staff_act(api, headers, member["case_id"], "conclude").status_code == 200
    run_jobs(identity_app)
    out = view(api, token, body["id"])
    assert out["status"] == "concluded" and out["closed_at"]
    assert _steps(body["id"]) == ["submitted", "results_ready", "concluded"]
    kinds = {e["kind"] for e in out["timeline"]}
    assert kinds == {"bundle", "member"}
