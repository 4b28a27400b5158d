"""Showing a licence (亮证): level-4 step-up, the QR image, the public check, expiry,
tampering, single use, revoked licences and the rate limit."""

from __future__ import annotations

import base64
import io
import threading
from datetime import timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.licences import showcodes
from app.licences.models import utcnow
from tests.identity.helpers import CHEN, LIN, assert_error, bearer, face_pass

from .helpers import issue, level3, level4


def _show(api, token: str, licence_id: int):
    return api.post(f"/api/v1/licences/{licence_id}/show-code", headers=bearer(token))


def _assert_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    assert 150 <= image.width <= 1000 and image.width == image.height
    return image


def test_show_code_needs_a_fresh_face_check(api, identity_app, sandbox):
    lic = issue(identity_app, person=LIN)
    token = level3(api, person=LIN, user="lin")["access_token"]
    body = assert_error(_show(api, token, lic["id"]), 403, "STEP_UP_REQUIRED")
    assert body["details"]["auth"]["required_level"] == 4

    stale = face_pass(api, sandbox, token, channel="wechat")["access_token"]
    identity_app.config["STEP_UP_MAX_AGE"], saved = 0, identity_app.config["STEP_UP_MAX_AGE"]
    try:
        assert_error(_show(api, stale, lic["id"]), 403, "STEP_UP_REQUIRED")
    finally:
        identity_app.config["STEP_UP_MAX_AGE"] = saved


def test_show_and_check(api, identity_app, sandbox):
    lic = issue(identity_app, person=LIN, essentials={"gender": "女", "address": "示范省青岚市云栖县栖凤大道66号"})
    other = issue(identity_app, person=CHEN)
    token = level4(api, sandbox, person=LIN, user="lin")["access_token"]

    assert_error(_show(api, token, other["id"]), 404, "LICENCE_NOT_FOUND")
    resp = _show(api, token, lic["id"])
    assert resp.status_code == 200, resp.get_json()
    shown = resp.get_json()
    assert shown["expires_in"] == 120
    _assert_png(base64.b64decode(shown["qr_png_base64"]))

    image = api.get(f"/api/v1/licences/{lic['id']}/show-code/{shown['code']}.png", headers=bearer(token))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Cache-Control"] == "no-store"
    _assert_png(image.data)
    wrong = api.get(f"/api/v1/licences/{other['id']}/show-code/{shown['code']}.png", headers=bearer(token))
    assert_error(wrong, 400, "LICENCE_CODE_INVALID")

    check = api.get(f"/api/v1/licence-checks/{shown['code']}")  # no token: public
    assert check.status_code == 200, check.get_json()
    body = check.get_json()
    assert body["valid"] is True and body["status"] == "valid"
    assert body["holder_masked"] == "林*岚"
    assert body["number_masked"] == "5399**********1204"
    assert body["licence_type"]["name"] == "居民身份证"
    assert body["issuer"]["code"] == "YQX-GA"
    assert body["essentials"]["gender"] == "女"
    assert body["essentials"]["address"].startswith("示范省青岚市") and "66号" not in body["essentials"]["address"]
    assert LIN[1] not in check.get_data(as_text=True) and LIN[0] not in check.get_data(as_text=True)

    # single use by default
    assert_error(api.get(f"/api/v1/licence-checks/{shown['code']}"), 410, "LICENCE_CODE_USED")


def test_expired_code(api, identity_app, sandbox, monkeypatch):
    lic = issue(identity_app, person=LIN)
    token = level4(api, sandbox, person=LIN, user="lin")["access_token"]
    code = _show(api, token, lic["id"]).get_json()["code"]
    later = utcnow() + timedelta(seconds=121)
    monkeypatch.setattr(showcodes, "utcnow", lambda: later)
    assert_error(api.get(f"/api/v1/licence-checks/{code}"), 410, "LICENCE_CODE_EXPIRED")
    assert_error(
        api.get(f"/api/v1/licences/{lic['id']}/show-code/{code}.png", headers=bearer(token)),
        410,
        "LICENCE_CODE_EXPIRED",
    )


def test_tampered_codes(api, identity_app, sandbox):
    lic = issue(identity_app, person=LIN)
    other = issue(identity_app, person=CHEN)
    token = level4(api, sandbox, person=LIN, user="lin")["access_token"]
    code = _show(api, token, lic["id"]).get_json()["code"]
    licence_id, expiry, nonce, signature = code.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (
        f"{licence_id}.{expiry}.{nonce}.{flipped}",  # signature altered
        f"{other['id']}.{expiry}.{nonce}.{signature}",  # someone else's licence
        f"{licence_id}.{int(expiry) + 3600}.{nonce}.{signature}",  # longer life
        f"{licence_id}.{expiry}.{nonce}",
        "not-a-code",
        "x" * 200,
    ):
        assert_error(api.get(f"/api/v1/licence-checks/{bad}"), 400, "LICENCE_CODE_INVALID")
    # the genuine code still works afterwards
    assert api.get(f"/api/v1/licence-checks/{code}").get_json()["valid"] is True


def test_signed_with_another_key_is_invalid(api, identity_app, sandbox):
    lic = issue(identity_app, person=LIN)
    token = level4(api, sandbox, person=LIN, user="lin")["access_token"]
    code = _show(api, token, lic["id"]).get_json()["code"]
    saved = identity_app.config["SECRET_KEY"]
    identity_app.config["SECRET_KEY"] = "another-secret-key-of-enough-length-0123456789"
    try:
        assert_error(api.get(f"/api/v1/licence-checks/{code}"), 400, "LICENCE_CODE_INVALID")
    finally:
        identity_app.config["SECRET_KEY"] = saved


def test_revoked_licence(api, identity_app, sandbox):
    from app.licences import service

    lic = issue(identity_app, person=LIN)
    token = level4(api, sandbox, person=LIN, user="lin")["access_token"]
    code = _show(api, token, lic["id"]).get_json()["code"]
    with identity_app.app_context():
        service.revoke(lic["id"], "注销")
    body = api.get(f"/api/v1/licence-checks/{code}").get_json()
    assert body["valid"] is False and body["status"] == "revoked"
    assert_error(_show(api, token, lic["id"]), 409, "LICENCE_NOT_USABLE")


def test_check_is_rate_limited(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "LICENCE_CHECK_LIMIT_PER_IP", (3, 60))
    for _ in range(3):
        assert_error(api.get("/api/v1/licence-checks/1.2.3.4"), 400, "LICENCE_CODE_INVALID")
    resp = api.get("/api/v1/licence-checks/1.2.3.4")
    assert_error(resp, 429, "LICENCE_CHECK_RATE_LIMITED")
    assert int(resp.headers["Retry-After"]) >= 1
    other_ip = api.get("/api/v1/licence-checks/1.2.3.4", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert_error(other_ip, 400, "LICENCE_CODE_INVALID")


def test_concurrent_checks_use_a_code_once(api, identity_app, sandbox):
    """Row lock on the code: of simultaneous checks exactly one succeeds (PostgreSQL)."""
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are exercised on PostgreSQL")
    lic = issue(identity_app, person=LIN)
    token = level4(api, sandbox, person=LIN, user="lin")["access_token"]
    code = _show(api, token, lic["id"]).get_json()["code"]
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def check():
        client = identity_app.test_client()
        barrier.wait()
        statuses.append(client.get(f"/api/v1/licence-checks/{code}").status_code)

    threads = [threading.Thread(target=check) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 410, 410, 410, 410, 410]
