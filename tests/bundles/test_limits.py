"""Bounds that protect the person: open bundle drafts per citizen are limited (a submitted or
discarded bundle frees its place); concurrent starts on PostgreSQL cannot pass the limit; a draft
is discarded with its files by its owner only."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.bundles.models import BundleApplication, BundleFile, BundleStatus
from app.extensions import db
from app.storage import get_storage
from tests.bundles.helpers import BUNDLES, ready, start, submit, view
from tests.cases.helpers import citizen
from tests.dialect import on_postgres
from tests.identity.helpers import bearer


@pytest.fixture
def limit(identity_app, monkeypatch):
    def set_to(n: int) -> None:
        monkeypatch.setitem(identity_app.config, "BUNDLE_MAX_OPEN_DRAFTS", n)

    return set_to


def test_open_bundle_drafts_per_citizen_are_bounded(api, actx, trio, limit):
    limit(2)
    token = citizen(api)
    first = ready(api, token, trio, {"need_medical": False})
    assert start(api, token, trio).status_code == 201
    resp = start(api, token, trio, {"need_medical": True})
    assert resp.status_code == 409, resp.get_json()
    body = resp.get_json()
    assert body["error"] == "TOO_MANY_DRAFTS" and "2份未提交的一件事申请" in body["message"]
    assert body["details"]["drafts"] == {"open": 2, "limit": 2}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BundleApplication)) == 2
    db.session.rollback()
    # another citizen is not affected; submitting one frees a place
    assert start(api, citizen(api, name="陈云栖"), trio).status_code == 201
    assert submit(api, token, first["id"]).status_code == 200
    assert start(api, token, trio).status_code == 201
    assert start(api, token, trio).status_code == 409


def test_concurrent_bundle_starts_cannot_pass_the_limit(api, identity_app, trio, limit):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    limit(2)
    token = citizen(api)
    assert start(api, token, trio).status_code == 201
    results: list[int] = []
    barrier = threading.Barrier(6)

    def worker():
        client = identity_app.test_client()
        barrier.wait()
        results.append(start(client, token, trio).status_code)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [409] * 5
    with identity_app.app_context():
        drafts = sa.select(sa.func.count()).select_from(BundleApplication)
        assert db.session.scalar(drafts.where(BundleApplication.status == BundleStatus.DRAFT)) == 2
        db.session.remove()


def test_a_bundle_draft_is_discarded_with_its_files_by_its_owner_only(api, actx, trio, limit):
    limit(1)
    token = citizen(api)
    other = citizen(api, name="陈云栖")
    draft = ready(api, token, trio, {"need_medical": False})
    assert start(api, token, trio).status_code == 409
    with_files = [m for m in draft["materials"] if m["files"]]
    assert with_files
    store = get_storage()
    assert [key for key, _ in store.list("bundles/")]
    url = f"{BUNDLES}/{draft['id']}"
    # another citizen: not found, nothing deleted (and the owner cannot delete theirs either)
    theirs = start(api, other, trio).get_json()
    assert api.delete(url, headers=bearer(other)).status_code == 404
    assert api.delete(f"{BUNDLES}/{theirs['id']}", headers=bearer(token)).status_code == 404
    assert view(api, token, draft["id"])["id"] == draft["id"]
    assert view(api, other, theirs["id"])["id"] == theirs["id"]
    # the owner discards it: rows and stored files gone, its place freed
    assert api.delete(url, headers=bearer(token)).status_code == 204
    assert api.get(url, headers=bearer(token)).status_code == 404
    assert api.delete(url, headers=bearer(token)).status_code == 404
    assert [key for key, _ in store.list("bundles/")] == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BundleFile)) == 0
    db.session.rollback()
    # a submitted bundle is withdrawn, not deleted
    body = ready(api, token, trio, {"need_medical": False})
    assert submit(api, token, body["id"]).status_code == 200
    resp = api.delete(f"{BUNDLES}/{body['id']}", headers=bearer(token))
    assert resp.status_code == 409 and resp.get_json()["error"] == "BUNDLE_NOT_EDITABLE"
