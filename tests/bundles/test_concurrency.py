"""Concurrent duplicate submits of one bundle on PostgreSQL (real threads, real connections):
one bundle, one case per member."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.bundles.models import BundleStep
from app.cases.models import Case, SubmitRequest
from app.extensions import db
from app.outbox import OutboxEvent
from tests.bundles.helpers import ready, submit
from tests.cases.helpers import citizen
from tests.dialect import on_postgres


def _race(identity_app, token, application_id, keys):
    results: list = []
    barrier = threading.Barrier(len(keys))

    def worker(key):
        client = identity_app.test_client()
        barrier.wait()
        resp = submit(client, token, application_id, key=key)
        body = resp.get_json()
        results.append((resp.status_code, tuple(m["case_id"] for m in body.get("members", []))))

    threads = [threading.Thread(target=worker, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_duplicate_submits_make_one_case_per_member(api, identity_app, trio):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token = citizen(api)
    body = ready(api, token, trio, {"need_medical": True})
    results = _race(identity_app, token, body["id"], ["bundle-race-0001"] * 6)
    assert {code for code, _ in results} == {200}, results
    assert len({ids for _, ids in results}) == 1
    with identity_app.app_context():
        cases = db.session.scalars(sa.select(Case).where(Case.bundle_application_id == body["id"])).all()
        assert len(cases) == 3 and len({c.service_code for c in cases}) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmitRequest)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BundleStep)) == 1
        submits = sa.select(sa.func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "case.submit")
        assert db.session.scalar(submits) == 3
        db.session.remove()


def test_concurrent_submits_with_different_keys_submit_once(api, identity_app, trio):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token = citizen(api)
    body = ready(api, token, trio, {"need_medical": False})
    results = _race(identity_app, token, body["id"], [f"bundle-race-k{i:03d}" for i in range(4)])
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409, 409, 409], results
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 2
        db.session.remove()
