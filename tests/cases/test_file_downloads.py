"""Uploaded files served back (citizen: GET /api/v1/applications/{id}/files/{file_id}; staff:
GET /staff/api/v1/cases/{id}/files/{file_id}): only to the owner and the case's department, as an
attachment of a whitelisted type with nosniff — never something a browser would run."""

from __future__ import annotations

import sqlalchemy as sa

from app.cases.models import CaseFile
from app.extensions import db
from app.staff.models import StaffAction
from app.storage import get_backend
from tests.cases.helpers import APPS, citizen, create_draft, pdf_bytes, png_bytes, ready_draft, submit, upload
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import BASE, other_department, staff_token

DEPT = "YQX-GA"  # 户籍证明开具


def uploaded(api, token, draft, data) -> int:
    resp = upload(api, token, draft["id"], 0, data=data)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["materials"][0]["files"][-1]["id"]


def assert_served(resp, data: bytes, kind: str) -> None:
    assert resp.status_code == 200 and resp.data == data
    assert resp.mimetype == kind
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=")
    assert resp.headers["Cache-Control"] == "no-store"
    assert "sandbox" in resp.headers["Content-Security-Policy"]


def test_the_owner_downloads_as_an_attachment_others_get_not_found(api):
    token = citizen(api)
    draft = create_draft(api, token)
    pdf_id, png_id = uploaded(api, token, draft, pdf_bytes()), uploaded(api, token, draft, png_bytes())
    assert_served(
        api.get(f"{APPS}/{draft['id']}/files/{pdf_id}", headers=bearer(token)), pdf_bytes(), "application/pdf"
    )
    assert_served(api.get(f"{APPS}/{draft['id']}/files/{png_id}", headers=bearer(token)), png_bytes(), "image/png")

    stranger = citizen(api, name="陈云栖")
    their = create_draft(api, stranger)
    resp = api.get(f"{APPS}/{draft['id']}/files/{pdf_id}", headers=bearer(stranger))
    assert_error(resp, 404, "APPLICATION_NOT_FOUND")
    # my file asked for under another case of mine, or a file id that is not there
    resp = api.get(f"{APPS}/{their['id']}/files/{pdf_id}", headers=bearer(stranger))
    assert_error(resp, 404, "FILE_NOT_FOUND")
    assert_error(api.get(f"{APPS}/{draft['id']}/files/999999", headers=bearer(token)), 404, "FILE_NOT_FOUND")
    assert api.get(f"{APPS}/{draft['id']}/files/{pdf_id}").status_code == 401


def test_a_stored_type_outside_the_whitelist_is_served_as_octet_stream(api, identity_app):
    token = citizen(api)
    draft = create_draft(api, token)
    file_id = uploaded(api, token, draft, pdf_bytes())
    for kind in ("text/html", "image/svg+xml"):
        with identity_app.app_context():
            db.session.execute(sa.update(CaseFile).where(CaseFile.id == file_id).values(content_type=kind))
            db.session.commit()
            db.session.remove()
        resp = api.get(f"{APPS}/{draft['id']}/files/{file_id}", headers=bearer(token))
        assert_served(resp, pdf_bytes(), "application/octet-stream")
        assert resp.headers["Content-Disposition"].endswith('.bin"')


def test_a_missing_object_is_not_found(api, identity_app):
    token = citizen(api)
    draft = create_draft(api, token)
    file_id = uploaded(api, token, draft, pdf_bytes())
    with identity_app.app_context():
        get_backend().delete(db.session.get(CaseFile, file_id).storage_key)
        db.session.remove()
    assert_error(api.get(f"{APPS}/{draft['id']}/files/{file_id}", headers=bearer(token)), 404, "FILE_NOT_FOUND")


def test_staff_of_the_department_download_submitted_files_audited(api, identity_app):
    token = citizen(api)
    draft = ready_draft(api, token)
    file_id = draft["materials"][0]["files"][0]["id"]
    officer = staff_token(api, identity_app, department=DEPT, role="window_clerk")
    # a draft is the citizen's own business
    assert_error(api.get(f"{BASE}/cases/{draft['id']}/files/{file_id}", headers=officer), 404, "APPLICATION_NOT_FOUND")
    assert submit(api, token, draft["id"]).status_code == 200
    assert_served(
        api.get(f"{BASE}/cases/{draft['id']}/files/{file_id}", headers=officer), pdf_bytes(), "application/pdf"
    )
    outsider = staff_token(api, identity_app, department=other_department(identity_app, DEPT), role="window_clerk")
    resp = api.get(f"{BASE}/cases/{draft['id']}/files/{file_id}", headers=outsider)
    assert_error(resp, 404, "APPLICATION_NOT_FOUND")
    assert api.get(f"{BASE}/cases/{draft['id']}/files/{file_id}").status_code == 401
    with identity_app.app_context():
        targets = db.session.scalars(sa.select(StaffAction.target).where(StaffAction.action == "case.file_read")).all()
        db.session.remove()
    assert f"{draft['id']}/{file_id}" in targets
