"""Material uploads: type by content, size and count limits, stored through app.storage."""

from __future__ import annotations

import sqlalchemy as sa

from app import crypto
from app.cases.models import CaseFile
from app.extensions import db
from app.storage import get_storage
from tests.cases.helpers import APPS, citizen, create_draft, jpeg_bytes, pdf_bytes, png_bytes, upload
from tests.identity.helpers import assert_error, bearer


def test_pdf_png_and_jpeg_are_accepted_by_content_and_stored(api, actx, storage_dir):
    token = citizen(api)
    draft = create_draft(api, token)
    # names and extensions do not matter: the content decides
    for data, name, kind in (
        (pdf_bytes(), "a.jpg", "application/pdf"),
        (png_bytes(), "b.pdf", "image/png"),
        (jpeg_bytes(), "c", "image/jpeg"),
    ):
        resp = upload(api, token, draft["id"], 0, data=data, name=name)
        body = resp.get_json()
        assert resp.status_code == 201, body
        assert body["materials"][0]["files"][-1]["content_type"] == kind
    material = body["materials"][0]
    assert material["method"] == "upload" and material["met"] is True and len(material["files"]) == 3
    stored = db.session.scalars(sa.select(CaseFile).order_by(CaseFile.id)).all()
    # sealed at rest (issue 15): the folder holds no readable scan; the storage opens it again
    raw = [(storage_dir / f.storage_key).read_bytes() for f in stored]
    assert all(crypto.is_sealed_bytes(blob) for blob in raw)
    assert not any(plain in blob for plain, blob in zip((pdf_bytes(), png_bytes(), jpeg_bytes()), raw, strict=True))
    assert [get_storage().get(f.storage_key) for f in stored] == [pdf_bytes(), png_bytes(), jpeg_bytes()]
    assert all(f.storage_key.startswith(f"cases/{draft['id']}/0/") for f in stored)
    # the stored extension follows the content, never the client's file name
    assert [f.storage_key.rsplit(".", 1)[1] for f in stored] == ["pdf", "png", "jpg"]


def test_other_content_is_refused_whatever_its_name(api):
    token = citizen(api)
    draft = create_draft(api, token)
    for data, name in (
        (b"MZ\x90\x00 not a pdf", "scan.pdf"),
        (b"<html><script>alert(1)</script>", "photo.png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png"),  # PNG signature, no image
        (b"%PDF-1.4 truncated", "cut.pdf"),
    ):
        assert_error(upload(api, token, draft["id"], 0, data=data, name=name), 422, "UPLOAD_REJECTED")
    assert_error(upload(api, token, draft["id"], 0, data=b"", name="empty.pdf"), 422, "UPLOAD_REJECTED")
    body = api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()
    assert body["materials"][0]["files"] == [] and body["materials"][0]["method"] is None


def test_size_and_count_limits(api, identity_app):
    token = citizen(api)
    draft = create_draft(api, token)
    identity_app.config.update(CASE_UPLOAD_MAX_BYTES=200, CASE_UPLOAD_MAX_FILES=2)
    try:
        big = pdf_bytes() + b"0" * 300
        assert_error(upload(api, token, draft["id"], 0, data=big), 413, "FILE_TOO_LARGE")
        for _ in range(2):
            assert upload(api, token, draft["id"], 0).status_code == 201
        assert_error(upload(api, token, draft["id"], 0), 409, "TOO_MANY_FILES")
    finally:
        identity_app.config.pop("CASE_UPLOAD_MAX_BYTES")
        identity_app.config.pop("CASE_UPLOAD_MAX_FILES")


def test_file_field_is_required(api):
    token = citizen(api)
    draft = create_draft(api, token)
    resp = api.post(
        f"{APPS}/{draft['id']}/materials/0/files", data={}, headers=bearer(token), content_type="multipart/form-data"
    )
    assert_error(resp, 422, "VALIDATION_ERROR")


def test_choosing_upload_without_files_leaves_the_material_unmet(api):
    token = citizen(api)
    draft = create_draft(api, token)
    resp = api.put(f"{APPS}/{draft['id']}/materials/0", json={"method": "upload"}, headers=bearer(token))
    material = resp.get_json()["materials"][0]
    assert material["method"] == "upload" and material["met"] is False
    resp = api.put(
        f"{APPS}/{draft['id']}/materials/0", json={"method": "upload", "licence_id": "x"}, headers=bearer(token)
    )
    assert_error(resp, 422, "VALIDATION_ERROR")
