"""Pickup codes at the window: wrong codes are counted per delivery and lock the code at
PICKUP_CODE_MAX_FAILURES (the citizen is told and has a new one issued); the right code is
refused once locked; parallel guesses never pass the limit (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.cases.helpers import citizen
from tests.delivery.helpers import (
    approve,
    choose,
    delivery_of,
    event_types,
    payloads,
    reviewer,
    row,
    run_jobs,
    submitted,
)
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import BASE

APPS = "/api/v1/applications"


def _ready(api, app) -> tuple[str, dict, dict, int]:
    """(citizen token, case, staff headers, delivery id) of a result waiting at the hall."""
    token = citizen(api)
    case = submitted(api, token)
    assert choose(api, token, case["id"], "pickup").status_code == 200
    headers = reviewer(api, app)
    approve(api, headers, case["id"])
    run_jobs(app)
    return token, case, headers, row(app, case["id"]).id


def _wrong(right: str) -> str:
    return "000000" if right != "000000" else "111111"


def _pick_up(api, headers, delivery_id, code):
    return api.post(f"{BASE}/deliveries/{delivery_id}/picked-up", json={"pickup_code": code}, headers=headers)


def test_wrong_codes_lock_the_code_and_the_citizen_has_a_new_one_issued(api, identity_app):
    token, case, headers, delivery_id = _ready(api, identity_app)
    old = delivery_of(api, token, case["id"])["pickup"]["code"]
    for left in (4, 3, 2, 1):
        body = assert_error(_pick_up(api, headers, delivery_id, _wrong(old)), 422, "PICKUP_CODE_MISMATCH")
        assert body["details"]["remaining_attempts"] == left
    assert_error(_pick_up(api, headers, delivery_id, _wrong(old)), 409, "PICKUP_CODE_LOCKED")
    # locked: even the right code is refused now
    assert_error(_pick_up(api, headers, delivery_id, old), 409, "PICKUP_CODE_LOCKED")
    view = delivery_of(api, token, case["id"])
    assert view["status"] == "pickup_ready" and view["pickup"]["locked"] is True
    assert event_types(identity_app, case["id"]).count("delivery.pickup_code_locked") == 1
    detail = api.get(f"{BASE}/deliveries/{delivery_id}", headers=headers).get_json()
    assert detail["pickup_locked"] is True

    # the citizen gets a new code (sent again as delivery.pickup_ready); the old one is void
    resp = api.post(f"{APPS}/{case['id']}/delivery/pickup-code", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    new = resp.get_json()["pickup"]
    assert new["locked"] is False and new["code"] != old and len(new["code"]) == 6
    sent = payloads(identity_app, case["id"], "delivery.pickup_ready")
    assert [p["pickup_code"] for p in sent] == [old, new["code"]]
    assert_error(_pick_up(api, headers, delivery_id, old), 422, "PICKUP_CODE_MISMATCH")
    resp = _pick_up(api, headers, delivery_id, new["code"])
    assert resp.status_code == 200, resp.get_json()
    assert delivery_of(api, token, case["id"])["status"] == "collected"
    # nothing left to re-issue
    assert_error(
        api.post(f"{APPS}/{case['id']}/delivery/pickup-code", headers=bearer(token)), 409, "DELIVERY_STATE_CONFLICT"
    )


def test_only_the_applicant_has_a_code_reissued(api, identity_app):
    token, case, headers, delivery_id = _ready(api, identity_app)
    before = delivery_of(api, token, case["id"])["pickup"]["code"]
    stranger = citizen(api, name="陈云栖")
    resp = api.post(f"{APPS}/{case['id']}/delivery/pickup-code", headers=bearer(stranger))
    assert_error(resp, 404, "APPLICATION_NOT_FOUND")
    assert delivery_of(api, token, case["id"])["pickup"]["code"] == before


def test_parallel_guesses_never_pass_the_limit(api, identity_app):
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks under real concurrency are tested on PostgreSQL (SQLite serialises writers)")
    token, case, headers, delivery_id = _ready(api, identity_app)
    right = delivery_of(api, token, case["id"])["pickup"]["code"]
    guesses = [f"{n:06d}" for n in range(12) if f"{n:06d}" != right][:10]
    barrier = threading.Barrier(len(guesses))
    results: list[str] = []
    lock = threading.Lock()

    def worker(guess: str):
        client = identity_app.test_client()
        barrier.wait()
        resp = _pick_up(client, headers, delivery_id, guess)
        with lock:
            results.append(resp.get_json()["error"])

    threads = [threading.Thread(target=worker, args=(g,)) for g in guesses]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["PICKUP_CODE_LOCKED"] * 6 + ["PICKUP_CODE_MISMATCH"] * 4, results
    with identity_app.app_context():
        from delivery.models import Delivery

        failures = db.session.scalar(sa.select(Delivery.pickup_failures).where(Delivery.id == delivery_id))
        assert failures == 5
    assert event_types(identity_app, case["id"]).count("delivery.pickup_code_locked") == 1
