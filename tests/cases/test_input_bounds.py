"""Bad input never reaches a 500 and is never stored unbounded (issue 15): invalid Unicode and deep
JSON refused at the one gate (app/web/input_guard.py) on every API, body limits per endpoint,
bounded form saves and drafts, decompression bombs refused, and a draft holding a lone surrogate
from before the gate still readable."""

from __future__ import annotations

import io
import struct
import threading
import zlib

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnprocessableEntity

from app.cases.models import Case
from app.extensions import db
from app.web import input_guard
from app.web.input_guard import json_depth
from tests.cases.helpers import APPS, RELIEF, citizen, create_draft, upload
from tests.identity.helpers import assert_error, bearer

SURROGATE_FORM = '{"form": {"applicant_name": "\\ud800林"}}'


def raw_json(api, method: str, url: str, text: str | bytes, token: str | None = None):
    headers = bearer(token) if token else {}
    return getattr(api, method)(url, data=text, content_type="application/json", headers=headers)


def stored_form(case_id: int) -> dict:
    db.session.expire_all()
    return db.session.get(Case, case_id).form_data


def test_a_lone_surrogate_is_refused_with_422_and_saved_nowhere(api, actx):
    token = citizen(api)
    draft = create_draft(api, token)
    url = f"{APPS}/{draft['id']}"
    body = assert_error(raw_json(api, "patch", url, SURROGATE_FORM, token), 422, "VALIDATION_ERROR")
    assert body["errors"] == {"form.applicant_name": [body["message"]]}
    # as a key, nested in a list, and as raw UTF-8 bytes of a surrogate (ED A0 80)
    for text in (
        '{"form": {"\\udfff": "x"}}',
        '{"form": {"a": ["ok", {"b": "\\udbff"}]}}',
        b'{"form": {"applicant_name": "\xed\xa0\x80"}}',
    ):
        assert raw_json(api, "patch", url, text, token).status_code in (400, 422)
    assert stored_form(draft["id"]) == {}
    # the draft is untouched and answers as before
    assert api.get(url, headers=bearer(token)).status_code == 200
    # a valid pair (an emoji escaped as two surrogates) is text and is saved
    resp = raw_json(api, "patch", url, '{"form": {"applicant_name": "\\ud83d\\ude00林"}}', token)
    assert resp.status_code == 200 and stored_form(draft["id"]) == {"applicant_name": "😀林"}


def test_every_api_refuses_invalid_unicode_at_the_gate(api, actx):
    # the citizen API (before authentication) and the staff API
    assert_error(raw_json(api, "post", APPS, '{"service_code": "\\ud800"}'), 422, "VALIDATION_ERROR")
    staff = raw_json(api, "post", "/staff/api/v1/auth/login", '{"username": "a\\ud800", "password": "x"}')
    assert_error(staff, 422, "VALIDATION_ERROR")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    # werkzeug leaves an encoded surrogate in a query string or form undecoded ("%ED%A0%80"), so
    # none reaches a view that way; the gate checks decoded pairs all the same
    with pytest.raises(UnprocessableEntity) as refused:
        input_guard._check_pairs("query", MultiDict([("q", "ok"), ("status", "\ud800")]))
    assert refused.value.data["errors"] == {"query": {"status": [input_guard.BAD_TEXT]}}


def test_json_nested_100000_deep_is_a_400_not_a_500(api, actx):
    token = citizen(api)
    draft = create_draft(api, token)
    deep = '{"form": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    for url, method in ((f"{APPS}/{draft['id']}", "patch"), (APPS, "post"), ("/staff/api/v1/auth/login", "post")):
        resp = raw_json(api, method, url, deep, token)
        # 200 KB: over the body limit of a JSON endpoint (413) — and under it, too deep (400)
        assert resp.status_code == 413, resp.get_json()
    shallow_but_deep = '{"form": {"a": ' + "[" * 5_000 + "]" * 5_000 + "}}"
    body = assert_error(raw_json(api, "patch", f"{APPS}/{draft['id']}", shallow_but_deep, token), 400, "BAD_REQUEST")
    assert "_schema" in body["errors"]
    assert stored_form(draft["id"]) == {}


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[[[]],[]]") == 3


def test_json_endpoints_take_64_kb_and_uploads_their_file_limit(api, actx, identity_app):
    token = citizen(api)
    draft = create_draft(api, token)
    big = '{"form": {"applicant_name": "' + "林" * 30_000 + '"}}'  # 90 KB
    assert_error(raw_json(api, "patch", f"{APPS}/{draft['id']}", big, token), 413, "PAYLOAD_TOO_LARGE")
    assert stored_form(draft["id"]) == {}
    # an upload above 64 KB is taken (its limit is CASE_UPLOAD_MAX_BYTES plus the framing) ...
    scan = png_noise(200, 200)
    assert len(scan) > 64 * 1024
    assert upload(api, token, draft["id"], 0, data=scan, name="scan.png").status_code == 201
    # ... and one above that limit is refused before it is read
    identity_app.config["CASE_UPLOAD_MAX_BYTES"] = 1024
    try:
        resp = upload(api, token, draft["id"], 0, data=scan, name="scan.png")
        assert_error(resp, 413, "PAYLOAD_TOO_LARGE")
    finally:
        identity_app.config.pop("CASE_UPLOAD_MAX_BYTES")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height (no pixel data worth the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def test_a_png_claiming_30000_by_30000_is_refused_not_a_500(api, actx, identity_app):
    token = citizen(api)
    draft = create_draft(api, token)
    for size in ((30000, 30000), (8000, 8000)):  # Pillow's bomb error; our own pixel limit
        resp = upload(api, token, draft["id"], 0, data=_png_header_only(*size), name="bomb.png")
        body = assert_error(resp, 422, "UPLOAD_REJECTED")
        assert body["errors"] == {"file": ["图片尺寸过大"]}
    body = api.get(f"{APPS}/{draft['id']}", headers=bearer(token)).get_json()
    assert body["materials"][0]["files"] == []


def test_form_saves_are_bounded_by_the_schema_and_in_total(api, actx, identity_app):
    token = citizen(api)
    draft = create_draft(api, token)
    url = f"{APPS}/{draft['id']}"
    # the schema says additionalProperties: false — unknown keys are refused (at most 10 named)
    many = {f"k{i}": "x" for i in range(2000)}
    body = assert_error(api.patch(url, json={"form": many}, headers=bearer(token)), 422, "FORM_REFUSED")
    assert len([key for key in body["errors"] if key.startswith("form.")]) == 10
    # a string above the schema's maxLength (申请人姓名: 30)
    body = assert_error(
        api.patch(url, json={"form": {"applicant_name": "林" * 31}}, headers=bearer(token)), 422, "FORM_REFUSED"
    )
    assert body["errors"] == {"form.applicant_name": ["申请人姓名：不能超过30个字"]}
    assert stored_form(draft["id"]) == {}
    # within the bounds, an incomplete form is still saved with its errors listed
    ok = api.patch(url, json={"form": {"applicant_name": "林" * 30}}, headers=bearer(token))
    assert ok.status_code == 200 and stored_form(draft["id"]) == {"applicant_name": "林" * 30}
    # clearing a field that does not exist is fine (nothing is stored)
    assert api.patch(url, json={"form": {"nope": None}}, headers=bearer(token)).status_code == 200


def test_defaults_bound_fields_the_schema_leaves_open_and_the_whole_form(api, actx, identity_app):
    token = citizen(api)
    draft = create_draft(api, token)
    case_id = draft["id"]
    open_schema = {"type": "object", "properties": {"note": {"type": "string"}, "tags": {"type": "array"}}}
    db.session.execute(sa.update(Case).where(Case.id == case_id).values(form_schema=open_schema))
    db.session.commit()
    url = f"{APPS}/{case_id}"

    def patch(form):
        return api.patch(url, json={"form": form}, headers=bearer(token))

    body = assert_error(patch({"note": "x" * 501}), 422, "FORM_REFUSED")
    assert body["errors"] == {"form.note": ["不能超过500个字"]}
    assert_error(patch({"tags": ["a"] * 51}), 422, "FORM_REFUSED")
    assert_error(patch({"tags": [["x" * 501]]}), 422, "FORM_REFUSED")
    identity_app.config["CASE_FORM_MAX_BYTES"] = 1600
    try:
        for i in range(3):
            assert patch({f"extra{i}": "x" * 450}).status_code == 200  # open schema: extra keys allowed
        body = assert_error(patch({"extra9": "x" * 450}), 422, "FORM_REFUSED")
        assert "form" in body["errors"]
    finally:
        identity_app.config.pop("CASE_FORM_MAX_BYTES")
    assert set(stored_form(case_id)) == {"extra0", "extra1", "extra2"}


def test_open_drafts_per_citizen_are_bounded(api, actx, identity_app):
    identity_app.config["CASE_MAX_OPEN_DRAFTS"] = 3
    try:
        token = citizen(api)
        drafts = [create_draft(api, token, code=RELIEF) for _ in range(3)]
        resp = api.post(APPS, json={"service_code": RELIEF}, headers=bearer(token))
        body = assert_error(resp, 409, "TOO_MANY_DRAFTS")
        assert body["details"]["drafts"] == {"open": 3, "limit": 3}
        # another citizen is not affected; discarding one frees a place
        assert (
            api.post(APPS, json={"service_code": RELIEF}, headers=bearer(citizen(api, name="陈云栖"))).status_code
            == 201
        )
        assert api.delete(f"{APPS}/{drafts[0]['id']}", headers=bearer(token)).status_code == 204
        assert api.post(APPS, json={"service_code": RELIEF}, headers=bearer(token)).status_code == 201
    finally:
        identity_app.config.pop("CASE_MAX_OPEN_DRAFTS")


def test_a_draft_holding_a_surrogate_from_before_the_gate_still_answers(api, actx):
    token = citizen(api)
    draft = create_draft(api, token)
    case_id = draft["id"]
    db.session.execute(sa.update(Case).where(Case.id == case_id).values(form_data={"applicant_name": "\ud800林"}))
    db.session.commit()
    url = f"{APPS}/{case_id}"
    got = api.get(url, headers=bearer(token))
    assert got.status_code == 200 and got.get_json()["form_data"]["applicant_name"] == "\ufffd林"
    resp = api.patch(url, json={"form": {"applicant_name": "林晓岚"}}, headers=bearer(token))
    assert resp.status_code == 200 and stored_form(case_id) == {"applicant_name": "林晓岚"}
    assert upload(api, token, case_id, 0).status_code == 201
    assert api.delete(url, headers=bearer(token)).status_code == 204


def png_noise(width: int, height: int) -> bytes:
    import os

    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buf, "PNG")
    return buf.getvalue()


def test_concurrent_starts_cannot_pass_the_draft_limit(api, identity_app):
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    identity_app.config["CASE_MAX_OPEN_DRAFTS"] = 2
    try:
        token = citizen(api)
        create_draft(api, token, code=RELIEF)
        results: list[int] = []
        barrier = threading.Barrier(6)

        def worker():
            client = identity_app.test_client()
            barrier.wait()
            results.append(client.post(APPS, json={"service_code": RELIEF}, headers=bearer(token)).status_code)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [201, 409, 409, 409, 409, 409]
        with identity_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 2
    finally:
        identity_app.config.pop("CASE_MAX_OPEN_DRAFTS")


def test_a_json_body_to_the_upload_endpoint_keeps_the_json_limit(api, actx):
    token = citizen(api)
    draft = create_draft(api, token)
    url = f"{APPS}/{draft['id']}/materials/0/files"
    resp = raw_json(api, "post", url, "[" * 100_000 + "]" * 100_000, token)
    assert_error(resp, 413, "PAYLOAD_TOO_LARGE")
