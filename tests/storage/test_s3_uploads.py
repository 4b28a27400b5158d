"""The citizen upload (POST /api/v1/applications/{id}/materials/{position}/files) with
STORAGE_BACKEND=s3, through boto3 to the S3 simulator: stored with its content type and checksum,
refused credentials and outages answered 503 STORAGE_UNAVAILABLE with nothing recorded, a retry
after the outage stored once, a database failure after the put leaving no object behind, and
concurrent uploads at the file limit on PostgreSQL leaving exactly the files the rows name."""

from __future__ import annotations

import base64
import hashlib
import threading

import pytest
import sqlalchemy as sa

from app import crypto
from app.cases.models import CaseFile
from app.extensions import db
from app.storage import get_storage
from tests.cases.helpers import APPS, citizen, create_draft, pdf_bytes, png_bytes, upload
from tests.dialect import on_postgres
from tests.identity.helpers import assert_error, bearer


def case_files(app) -> list[CaseFile]:
    with app.app_context():
        rows = db.session.scalars(sa.select(CaseFile).order_by(CaseFile.id)).all()
        db.session.expunge_all()
        return rows


def material(api, token, case_id) -> dict:
    return api.get(f"{APPS}/{case_id}", headers=bearer(token)).get_json()["materials"][0]


def assert_nothing_recorded(api, identity_app, bucket, token, case_id):
    assert case_files(identity_app) == []
    first = material(api, token, case_id)
    assert first["files"] == [] and first["method"] is None and first["met"] is False
    assert bucket.objects() == {}


def test_upload_is_stored_in_s3_with_its_type_and_checksum(api, identity_app, bucket, storage_dir):
    token = citizen(api)
    draft = create_draft(api, token)
    for data in (pdf_bytes(), png_bytes()):
        resp = upload(api, token, draft["id"], 0, data=data, name="scan.jpg")
        assert resp.status_code == 201, resp.get_json()
    rows = case_files(identity_app)
    objects = bucket.objects()
    assert sorted(objects) == sorted(row.storage_key for row in rows) and len(rows) == 2
    for row, data, kind in zip(rows, (pdf_bytes(), png_bytes()), ("application/pdf", "image/png"), strict=True):
        obj = objects[row.storage_key]
        # sealed before it reaches the bucket (issue 15): the checksums and the ETag are those of
        # the sealed bytes; the row's sha256 is the file's own
        assert crypto.is_sealed_bytes(obj.data) and data not in obj.data
        with identity_app.app_context():
            assert crypto.decrypt_bytes(obj.data, context=row.storage_key) == data
            assert get_storage().get(row.storage_key) == data
        assert obj.content_type == kind == row.content_type
        assert base64.b64decode(obj.checksums["sha256"]).hex() == hashlib.sha256(obj.data).hexdigest()
        assert row.sha256 == hashlib.sha256(data).hexdigest()
        assert obj.etag == hashlib.md5(obj.data).hexdigest()
    assert not storage_dir.exists()  # nothing went to the local folder
    body = material(api, token, draft["id"])
    assert body["method"] == "upload" and body["met"] is True and len(body["files"]) == 2


def test_wrong_secret_is_503_and_records_nothing(api, identity_app, bucket):
    token = citizen(api)
    draft = create_draft(api, token)
    identity_app.config["S3_SECRET_ACCESS_KEY"] = "a-leaked-and-rotated-secret"
    resp = upload(api, token, draft["id"], 0)
    body = assert_error(resp, 503, "STORAGE_UNAVAILABLE")
    assert body["message"] == "文件存储服务暂时不可用，请稍后重试" and resp.headers["Retry-After"] == "5"
    assert "rotated" not in resp.get_data(as_text=True) and "SignatureDoesNotMatch" not in resp.get_data(as_text=True)
    assert [call["code"] for call in bucket.calls.recent(1)] == ["SignatureDoesNotMatch"]
    assert_nothing_recorded(api, identity_app, bucket, token, draft["id"])


def test_outage_is_503_then_the_retry_stores_once(api, identity_app, bucket):
    token = citizen(api)
    draft = create_draft(api, token)
    bucket.fail_next("SlowDown", operation="PutObject", times=2)  # both of botocore's attempts
    assert_error(upload(api, token, draft["id"], 0), 503, "STORAGE_UNAVAILABLE")
    assert_nothing_recorded(api, identity_app, bucket, token, draft["id"])
    resp = upload(api, token, draft["id"], 0)  # the citizen tries again
    assert resp.status_code == 201, resp.get_json()
    rows = case_files(identity_app)
    assert len(rows) == 1 and list(bucket.objects()) == [rows[0].storage_key]


def test_a_body_corrupted_on_the_way_is_refused(api, identity_app, bucket):
    token = citizen(api)
    draft = create_draft(api, token)
    identity_app.config["S3_MAX_ATTEMPTS"] = 1
    bucket.corrupt_next_upload()
    assert_error(upload(api, token, draft["id"], 0), 503, "STORAGE_UNAVAILABLE")
    assert bucket.calls.recent(1)[0]["code"] == "XAmzContentSHA256Mismatch"
    assert_nothing_recorded(api, identity_app, bucket, token, draft["id"])


def _refuse_case_file_inserts(app, on: bool) -> None:
    """A real database failure at commit time: a trigger that aborts inserts into case_files."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        with db.engine.begin() as conn:
            if on and postgres:
                conn.execute(
                    sa.text(
                        "CREATE OR REPLACE FUNCTION zsb_test_refuse() RETURNS trigger AS "
                        "$$ BEGIN RAISE EXCEPTION 'disk full (test)'; END $$ LANGUAGE plpgsql"
                    )
                )
                conn.execute(
                    sa.text(
                        "CREATE TRIGGER zsb_test_refuse BEFORE INSERT ON case_files "
                        "FOR EACH ROW EXECUTE FUNCTION zsb_test_refuse()"
                    )
                )
            elif on:
                conn.execute(
                    sa.text(
                        "CREATE TRIGGER zsb_test_refuse BEFORE INSERT ON case_files "
                        "BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END"
                    )
                )
            elif postgres:
                conn.execute(sa.text("DROP TRIGGER IF EXISTS zsb_test_refuse ON case_files"))
                conn.execute(sa.text("DROP FUNCTION IF EXISTS zsb_test_refuse()"))
            else:
                conn.execute(sa.text("DROP TRIGGER IF EXISTS zsb_test_refuse"))
        db.engine.dispose()


def test_a_database_failure_after_the_put_leaves_no_object(api, identity_app, bucket):
    token = citizen(api)
    draft = create_draft(api, token)
    _refuse_case_file_inserts(identity_app, True)
    try:
        resp = upload(api, token, draft["id"], 0)
    finally:
        _refuse_case_file_inserts(identity_app, False)
    assert resp.status_code == 500 and resp.get_json()["error"] == "INTERNAL_ERROR", resp.get_json()
    operations = [call["operation"] for call in bucket.calls.recent(2)][::-1]
    assert operations == ["PutObject", "DeleteObject"]  # stored, then removed when the commit failed
    assert_nothing_recorded(api, identity_app, bucket, token, draft["id"])
    assert upload(api, token, draft["id"], 0).status_code == 201  # and the next upload works


def test_a_commit_that_fails_after_applying_keeps_the_object(api, identity_app, bucket):
    """The database applied the commit but the app saw an error (the answer was lost): the row
    names the object, so it must stay."""
    token = citizen(api)
    draft = create_draft(api, token)
    failures = []

    def lost_answer(session):
        if not failures:
            failures.append(True)
            raise ConnectionResetError("connection lost after COMMIT (test)")

    sa.event.listen(db.session, "after_commit", lost_answer)
    try:
        resp = upload(api, token, draft["id"], 0)
    finally:
        sa.event.remove(db.session, "after_commit", lost_answer)
    assert resp.status_code == 500 and failures, resp.get_json()
    rows = case_files(identity_app)
    assert len(rows) == 1 and list(bucket.objects()) == [rows[0].storage_key]
    assert [call["operation"] for call in bucket.calls.recent(1)] == ["PutObject"]  # no delete


def test_concurrent_uploads_at_the_limit_leave_no_orphans(api, identity_app, bucket):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token = citizen(api)
    draft = create_draft(api, token)
    identity_app.config["CASE_UPLOAD_MAX_FILES"] = 2
    results: list = []
    barrier = threading.Barrier(6)

    def worker():
        client = identity_app.test_client()
        barrier.wait()
        resp = upload(client, token, draft["id"], 0)
        results.append((resp.status_code, resp.get_json().get("error")))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    identity_app.config["CASE_UPLOAD_MAX_FILES"] = 5
    assert sorted(results, key=str) == sorted([(201, None)] * 2 + [(409, "TOO_MANY_FILES")] * 4, key=str), results
    rows = case_files(identity_app)
    assert len(rows) == 2 and sorted(bucket.objects()) == sorted(row.storage_key for row in rows)


def test_the_local_folder_failing_is_503_as_well(api, identity_app, tmp_path):
    """The same envelope whichever backend fails: here STORAGE_DIR is a file, not a folder."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    token = citizen(api)
    draft = create_draft(api, token)
    identity_app.config["STORAGE_DIR"] = str(blocker)
    assert_error(upload(api, token, draft["id"], 0), 503, "STORAGE_UNAVAILABLE")
    assert case_files(identity_app) == [] and material(api, token, draft["id"])["files"] == []


def test_s3_objects_are_served_back_and_resealed_under_a_new_key(api, identity_app, bucket, monkeypatch):
    from app.config import DEV_FIELD_ENCRYPTION_KEYS

    token = citizen(api)
    draft = create_draft(api, token)
    resp = upload(api, token, draft["id"], 0, data=png_bytes())
    assert resp.status_code == 201, resp.get_json()
    file_id = resp.get_json()["materials"][0]["files"][0]["id"]
    [row] = case_files(identity_app)
    sealed = bucket.objects()[row.storage_key].data
    with identity_app.app_context():
        assert crypto.bytes_key_id(sealed) == "dev1"

    new = "k2027:" + base64.b64encode(b"N" * 32).decode()
    monkeypatch.setitem(identity_app.config, "FIELD_ENCRYPTION_KEYS", f"{new},{DEV_FIELD_ENCRYPTION_KEYS}")
    result = identity_app.test_cli_runner().invoke(args=["crypto", "reencrypt"])
    assert result.exit_code == 0 and "and 1 file(s)" in result.output, result.output
    obj = bucket.objects()[row.storage_key]
    assert obj.data != sealed and obj.etag == hashlib.md5(obj.data).hexdigest()
    monkeypatch.setitem(identity_app.config, "FIELD_ENCRYPTION_KEYS", new)  # the old key retired
    with identity_app.app_context():
        assert crypto.bytes_key_id(obj.data) == "k2027"
    resp = api.get(f"{APPS}/{draft['id']}/files/{file_id}", headers=bearer(token))
    assert resp.status_code == 200 and resp.data == png_bytes() and resp.mimetype == "image/png"
