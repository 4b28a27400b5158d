"""`flask storage orphans`: objects under cases/ that no case_files row references (an upload
whose process died between the put and the commit), on the S3 store and the local folder; young
objects are spared (their upload may still be committing), referenced ones always."""

from __future__ import annotations

import os
import time

import pytest

from app.storage import get_storage
from sandbox import s3 as sim
from tests.cases.helpers import citizen, create_draft, upload

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
