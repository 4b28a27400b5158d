"""`flask storage orphans`: objects under cases/ that no case_files row references, and under
bundles/ that no bundle_files row references (an upload whose process died between the put and the
commit), on the S3 store and the local folder; young objects are spared (their upload may still be
committing), referenced ones always."""

from __future__ import annotations

import os
import time

import pytest

from app.storage import get_storage
from sandbox import s3 as sim
from tests.bundles.helpers import start as start_bundle
from tests.bundles.helpers import upload as upload_bundle
from tests.cases.helpers import citizen, create_draft, upload
from tests.catalog.bundleview import NEWBORN, newborn_answers

HOUR = 3600


def _age(identity_app, key, seconds, bucket=None):
    if bucket is not None:
        with bucket.lock:
            bucket.buckets[sim.BUCKET][key].last_modified -= seconds
    else:
        path = os.path.join(identity_app.config["STORAGE_DIR"], key)
        os.utime(path, (time.time() - seconds, time.time() - seconds))


@pytest.fixture(params=["s3", "local"])
def backend(request):
    if request.param == "s3":
        return request.getfixturevalue("bucket")
    return None


def test_orphans_are_listed_then_deleted(api, identity_app, backend):
    token = citizen(api)
    draft = create_draft(api, token)
    assert upload(api, token, draft["id"], 0).status_code == 201
    with identity_app.app_context():
        store = get_storage()
        (referenced,) = [key for key, _ in store.list("cases/")]
        for key in ("cases/9/0/lost.pdf", "cases/9/0/young.pdf", "other/keep.pdf"):
            store.put(key, b"%PDF-x", content_type="application/pdf")
    for key in (referenced, "cases/9/0/lost.pdf", "other/keep.pdf"):
        _age(identity_app, key, 2 * HOUR, backend)
    runner = identity_app.test_cli_runner()
    listed = runner.invoke(args=["storage", "orphans"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.split() == ["cases/9/0/lost.pdf"]
    deleted = runner.invoke(args=["storage", "orphans", "--delete"])
    assert deleted.stdout.split() == ["deleted", "cases/9/0/lost.pdf"]
    with identity_app.app_context():
        store = get_storage()
        assert sorted(key for key, _ in store.list()) == sorted([referenced, "cases/9/0/young.pdf", "other/keep.pdf"])
    # with no grace period the young one is an orphan too
    assert runner.invoke(args=["storage", "orphans", "--older-than-minutes", "0"]).stdout.split() == [
        "cases/9/0/young.pdf"
    ]


def test_bundle_uploads_are_swept_only_when_no_bundle_file_references_them(api, identity_app, backend):
    token = citizen(api)
    resp = start_bundle(api, token, NEWBORN, newborn_answers())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    position = body["materials"][0]["position"]
    assert upload_bundle(api, token, body["id"], position).status_code == 201
    lost = f"bundles/{body['id']}/{position}/lost.pdf"
    with identity_app.app_context():
        store = get_storage()
        (referenced,) = [key for key, _ in store.list("bundles/")]
        store.put(lost, b"%PDF-x", content_type="application/pdf")
    for key in (referenced, lost):
        _age(identity_app, key, 2 * HOUR, backend)
    runner = identity_app.test_cli_runner()
    assert runner.invoke(args=["storage", "orphans"]).stdout.split() == [lost]
    deleted = runner.invoke(args=["storage", "orphans", "--delete"])
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout.split() == ["deleted", lost]
    with identity_app.app_context():
        assert [key for key, _ in get_storage().list("bundles/")] == [referenced]
    # the referenced upload is still the bundle's: its material stays met
    got = api.get(f"/api/v1/bundle-applications/{body['id']}", headers={"Authorization": f"Bearer {token}"})
    (material,) = [m for m in got.get_json()["materials"] if m["position"] == position]
    assert material["met"] and len(material["files"]) == 1
