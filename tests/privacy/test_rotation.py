"""`flask crypto reencrypt`: after a new key is put first, every encrypted value and every
uploaded file is re-written under it (files stored before sealing are sealed), so the old key can
be retired; a second run has nothing to do."""

from __future__ import annotations

import base64

import sqlalchemy as sa

from app import crypto
from app.cases.models import CaseFile
from app.config import DEV_FIELD_ENCRYPTION_KEYS
from app.extensions import db
from app.rotation import COLUMNS
from app.storage import get_backend
from tests.cases.helpers import APPS, citizen, create_draft, pdf_bytes, png_bytes, upload
from tests.delivery.helpers import add_address
from tests.identity.helpers import bearer

NEW = f"k2027:{base64.b64encode(b'N' * 32).decode()}"


def ciphertexts(app) -> dict[str, list[str]]:
    with app.app_context():
        out = {}
        for table, column, _ in COLUMNS:
            values = db.session.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} LIKE 'v1.%'")).scalars()
            out[f"{table}.{column}"] = list(values)
        db.session.remove()
    return out


def stored_objects(app) -> dict[str, bytes]:
    with app.app_context():
        backend = get_backend()
        out = {f.storage_key: backend.get(f.storage_key) for f in db.session.scalars(sa.select(CaseFile))}
        db.session.remove()
    return out


def reencrypt(app) -> str:
    result = app.test_cli_runner().invoke(args=["crypto", "reencrypt"])
    assert result.exit_code == 0, result.output
    return result.output


def test_reencrypt_moves_values_and_files_to_the_new_key(api, identity_app, monkeypatch):
    token = citizen(api)
    add_address(api, token)
    draft = create_draft(api, token)
    form = {"applicant_name": "林晓岚", "contact_phone": "13566778899", "purpose": "房产过户"}
    assert api.patch(f"{APPS}/{draft['id']}", json={"form": form}, headers=bearer(token)).status_code == 200
    assert upload(api, token, draft["id"], 0, data=pdf_bytes()).status_code == 201
    assert upload(api, token, draft["id"], 0, data=png_bytes()).status_code == 201
    complaint = {"kind": "consultation", "subject_type": "case", "title": "咨询", "content": "何时办结？"}
    api.post(
        "/api/v1/complaints",
        json={**complaint, "subject_type": "item", "service_code": draft["service_code"]},
        headers=bearer(token),
    )
    # one object as it was stored before files were sealed
    with identity_app.app_context():
        png_key = db.session.scalars(sa.select(CaseFile.storage_key).order_by(CaseFile.id.desc())).first()
        get_backend().put(png_key, png_bytes(), content_type="image/png")
        db.session.remove()

    before = ciphertexts(identity_app)
    for column in ("residents.id_enc", "verified_identities.name_enc", "cases.form_data", "delivery_addresses.contact"):
        assert before[column], column
    assert {crypto.key_id(t) for values in before.values() for t in values} == {"dev1"}

    monkeypatch.setitem(identity_app.config, "FIELD_ENCRYPTION_KEYS", f"{NEW},{DEV_FIELD_ENCRYPTION_KEYS}")
    total = sum(len(values) for values in before.values())
    assert reencrypt(identity_app).strip() == f"re-encrypted {total} value(s) and 2 file(s)"
    after = ciphertexts(identity_app)
    assert {column: len(values) for column, values in after.items()} == {c: len(v) for c, v in before.items()}
    assert {crypto.key_id(t) for values in after.values() for t in values} == {"k2027"}
    objects = stored_objects(identity_app)
    with identity_app.app_context():
        assert {crypto.bytes_key_id(blob) for blob in objects.values()} == {"k2027"}
    assert reencrypt(identity_app).strip() == "re-encrypted 0 value(s) and 0 file(s)"

    # the old key retired: everything still reads
    monkeypatch.setitem(identity_app.config, "FIELD_ENCRYPTION_KEYS", NEW)
    body = api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()
    assert body["form_data"] == form
    files = body["materials"][0]["files"]
    got = [api.get(f"{APPS}/{draft['id']}/files/{f['id']}", headers=bearer(token)).data for f in files]
    assert got == [pdf_bytes(), png_bytes()]
    assert api.get("/api/v1/addresses", headers=bearer(token)).get_json()["total"] == 1
    assert api.get("/api/v1/complaints", headers=bearer(token)).get_json()["total"] == 1
