"""Submit, resubmit after correction, withdraw: checks, idempotency, case numbers, timeline and
outbox events."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from app.cases import transitions
from app.cases.models import Case, SubmitRequest
from app.credit import service as credit
from app.extensions import db
from app.identity.registry import id_hash
from app.outbox import OutboxEvent, events_for
from tests.cases.helpers import (
    APPS,
    HUJI,
    ID_RENEWAL,
    citizen,
    citizen_face,
    create_draft,
    fill_form,
    person,
    ready_draft,
    submit,
    upload,
)
from tests.dialect import on_postgres
from tests.identity.helpers import assert_error, bearer

NUMBER = re.compile(r"^YQX-\d{8}-\d{6}$")


def test_submit_issues_a_case_number_timeline_and_outbox_event(api, actx):
    token = citizen(api)
    draft = ready_draft(api, token)
    resp = submit(api, token, draft["id"], key="first-submit-1")
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert body["status"] == "submitted" and NUMBER.match(body["case_number"]) and body["submitted_at"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in body["timeline"]] == [
        ("submit", "draft", "submitted")
    ]
    [event] = events_for("case", draft["id"])
    assert event.event_type == "case.submit"  # dispatching is covered in tests/events
    assert event.payload["case_number"] == body["case_number"] and event.payload["to"] == "submitted"
    assert event.payload["account_id"] and event.payload["service_name"] == body["service_name"]
    # a submitted case is no longer editable
    assert_error(
        api.patch(f"{APPS}/{draft['id']}", json={"form": {"purpose": "x"}}, headers=bearer(token)),
        409,
        "ILLEGAL_TRANSITION",
    )
    assert_error(upload(api, token, draft["id"], 0), 409, "ILLEGAL_TRANSITION")
    assert api.get(f"{APPS}?status=submitted", headers=bearer(token)).get_json()["total"] == 1


def test_repeat_with_the_same_key_returns_the_same_case_and_a_new_key_is_refused(api, actx):
    token = citizen(api)
    draft = ready_draft(api, token)
    first = submit(api, token, draft["id"], key="same-key-123").get_json()
    again = submit(api, token, draft["id"], key="same-key-123")
    assert again.status_code == 200 and again.get_json()["case_number"] == first["case_number"]
    assert_error(submit(api, token, draft["id"], key="other-key-123"), 409, "ILLEGAL_TRANSITION")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmitRequest)) == 1
    assert len(events_for("case", draft["id"])) == 1
    # the key belongs to that case: using it on another draft is a conflict
    other = ready_draft(api, token)
    assert_error(submit(api, token, other["id"], key="same-key-123"), 409, "IDEMPOTENCY_KEY_REUSED")
    # keys are per account: another citizen may send the same one
    someone = citizen(api, name="陈云栖")
    theirs = ready_draft(api, someone)
    assert submit(api, someone, theirs["id"], key="same-key-123").get_json()["case_number"] != first["case_number"]


def test_the_key_is_required(api):
    token = citizen(api)
    draft = ready_draft(api, token)
    assert_error(api.post(f"{APPS}/{draft['id']}/submit", headers=bearer(token)), 428, "IDEMPOTENCY_KEY_REQUIRED")
    assert_error(submit(api, token, draft["id"], key="short"), 428, "IDEMPOTENCY_KEY_REQUIRED")


def test_incomplete_drafts_are_refused_with_what_is_missing(api):
    token = citizen(api)
    draft = create_draft(api, token)
    body = assert_error(submit(api, token, draft["id"]), 422, "APPLICATION_INCOMPLETE")
    assert "form.purpose" in body["errors"] and [k for k in body["errors"] if k.startswith("materials.")] == [
        "materials.0"
    ]
    fill_form(api, token, draft)
    body = assert_error(submit(api, token, draft["id"]), 422, "APPLICATION_INCOMPLETE")
    assert not any(k.startswith("form.") for k in body["errors"]) and "materials.0" in body["errors"]
    upload(api, token, draft["id"], 0)
    assert submit(api, token, draft["id"]).status_code == 200


def test_licence_result_items_need_a_fresh_face_check(api, sandbox, identity_app):
    token = citizen(api)
    draft = ready_draft(api, token, code=ID_RENEWAL)
    body = assert_error(submit(api, token, draft["id"]), 403, "STEP_UP_REQUIRED")
    assert body["details"]["auth"]["required_level"] == 4
    face = citizen_face(api, sandbox, name="陈云栖")
    draft = ready_draft(api, face, code=ID_RENEWAL)
    identity_app.config["STEP_UP_MAX_AGE"] = 0
    try:
        assert_error(submit(api, face, draft["id"]), 403, "STEP_UP_REQUIRED")
    finally:
        identity_app.config["STEP_UP_MAX_AGE"] = 600
    resp = submit(api, face, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    # the item charges 20 yuan: the case waits for its payment, then it is submitted
    body = resp.get_json()
    assert (body["status"], body["fee_fen"]) == ("payment_pending", 2000)
    assert [e["action"] for e in body["timeline"]] == ["await_payment"]


def test_serious_bad_credit_blocks_and_general_is_flagged(api, actx):
    credit.add_entry(resident_hash=id_hash(person("刘建国")[1]), severity="serious", reason="失信被执行人")
    credit.add_entry(resident_hash=id_hash(person("郑海川")[1]), severity="general", reason="一般失信")
    db.session.commit()
    blocked = citizen(api, name="刘建国")
    draft = ready_draft(api, blocked)
    assert_error(submit(api, blocked, draft["id"]), 403, "CREDIT_BLOCKED")
    flagged = citizen(api, name="郑海川")
    draft = ready_draft(api, flagged)
    assert submit(api, flagged, draft["id"]).status_code == 200
    db.session.expire_all()
    case = db.session.get(Case, draft["id"])
    assert case.credit_flag == "general_bad_credit" and case.applicant_hash == id_hash(person("郑海川")[1])
    assert events_for("case", case.id)[0].payload["credit_flag"] == "general_bad_credit"


def test_withdraw_until_a_decision(api, actx):
    token = citizen(api)
    draft = ready_draft(api, token)
    assert_error(api.post(f"{APPS}/{draft['id']}/withdraw", headers=bearer(token)), 409, "ILLEGAL_TRANSITION")
    submit(api, token, draft["id"])
    body = api.post(f"{APPS}/{draft['id']}/withdraw", headers=bearer(token)).get_json()
    assert body["status"] == "withdrawn" and body["timeline"][-1]["action"] == "withdraw"
    decided = ready_draft(api, token)
    submit(api, token, decided["id"])
    transitions.staff_move(decided["id"], "accept", actor="staff:1")
    transitions.staff_move(decided["id"], "approve", actor="staff:1")
    assert_error(api.post(f"{APPS}/{decided['id']}/withdraw", headers=bearer(token)), 409, "ILLEGAL_TRANSITION")


def test_resubmit_after_correction_adds_what_is_missing(api, actx):
    token = citizen(api)
    draft = ready_draft(api, token)
    number = submit(api, token, draft["id"]).get_json()["case_number"]
    transitions.staff_move(draft["id"], "request_correction", actor="staff:1", note="身份证复印件不清晰，请重新上传")
    body = api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()
    assert body["status"] == "correction_requested" and "不清晰" in body["correction_note"]
    assert upload(api, token, draft["id"], 0).status_code == 201
    body = submit(api, token, draft["id"]).get_json()
    assert body["status"] == "submitted" and body["case_number"] == number and body["correction_note"] is None
    assert [e["action"] for e in body["timeline"]] == ["submit", "request_correction", "resubmit"]
    assert [e.event_type for e in events_for("case", draft["id"])] == [
        "case.submit",
        "case.request_correction",
        "case.resubmit",
    ]


def test_case_numbers_count_up_per_prefix_and_day(api):
    token = citizen(api)
    numbers = [submit(api, token, ready_draft(api, token)["id"]).get_json()["case_number"] for _ in range(3)]
    seqs = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2] and len({n.rsplit("-", 1)[0] for n in numbers}) == 1


def test_concurrent_repeats_make_exactly_one_case(api, identity_app):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token = citizen(api)
    draft = ready_draft(api, token)
    results: list = []
    barrier = threading.Barrier(6)

    def worker():
        client = identity_app.test_client()
        barrier.wait()
        resp = submit(client, token, draft["id"], key="race-key-0001")
        results.append((resp.status_code, resp.get_json().get("case_number")))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {code for code, _ in results} == {200}, results
    assert len({number for _, number in results}) == 1
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmitRequest)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == 1


def test_concurrent_submissions_draw_distinct_numbers(api, identity_app):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    tokens = [citizen(api, name=name) for name in ("林晓岚", "陈云栖", "王青山", "赵雨桐")]
    drafts = [(tok, ready_draft(api, tok, code=HUJI)["id"]) for tok in tokens for _ in range(2)]
    results: list = []
    barrier = threading.Barrier(len(drafts))

    def worker(tok, case_id):
        client = identity_app.test_client()
        barrier.wait()
        resp = submit(client, tok, case_id)
        results.append((resp.status_code, resp.get_json().get("case_number")))

    threads = [threading.Thread(target=worker, args=d) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {code for code, _ in results} == {200}, results
    numbers = sorted(n for _, n in results)
    assert len(set(numbers)) == len(drafts)
    seqs = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert seqs == list(range(seqs[0], seqs[0] + len(drafts)))


def test_a_draft_keeps_its_form_and_checklist_when_the_item_goes_offline(api, actx, fresh_catalog):
    from app.catalog.models import ServiceItem

    token = citizen(api)
    draft = ready_draft(api, token)
    db.session.execute(sa.update(ServiceItem).where(ServiceItem.implementation_code == HUJI).values(active=False))
    db.session.commit()
    body = api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()
    assert body["form_schema"] == draft["form_schema"] and body["form_errors"] == {}
    assert submit(api, token, draft["id"]).status_code == 200
    assert_error(api.post(APPS, json={"service_code": HUJI}, headers=bearer(token)), 404, "SERVICE_NOT_FOUND")
