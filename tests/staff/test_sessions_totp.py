"""Staff sessions (logout, revocation by a department head or the CLI, expiry) and the second
factor (TOTP: enrolment by CLI and API, codes used once, required in production)."""

from __future__ import annotations

import threading
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa

from app import crypto
from app.extensions import db
from app.staff import totp as staff_totp
from app.staff.models import StaffSession, StaffUser, utcnow
from tests.identity.helpers import assert_error, bearer

from .helpers import BASE, code, create, login, secret_of, token

ME = f"{BASE}/me"


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["staff", *args])


def _staff_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(StaffUser.id).where(StaffUser.username == username))


def test_logout_ends_the_session_on_the_next_request(api, identity_app):
    create(identity_app, username="clerk-a")
    mine, other = token(api, "clerk-a"), token(api, "clerk-a")
    assert api.get(ME, headers=bearer(mine)).status_code == 200
    resp = api.post(f"{BASE}/auth/logout", headers=bearer(mine))
    assert resp.status_code == 204
    assert_error(api.get(ME, headers=bearer(mine)), 401, "STAFF_SESSION_REVOKED")
    assert_error(api.post(f"{BASE}/auth/logout", headers=bearer(mine)), 401, "STAFF_SESSION_REVOKED")
    assert api.get(ME, headers=bearer(other)).status_code == 200  # only that session ended
    assert_error(api.post(f"{BASE}/auth/logout"), 401, "STAFF_TOKEN_MISSING")


def test_a_department_head_and_the_cli_revoke_a_staff_members_sessions(api, identity_app):
    create(identity_app, username="mz-head", role="department_head")
    create(identity_app, username="mz-clerk", role="window_clerk")
    create(identity_app, username="zwfw-clerk", department="YQX-ZWFW", role="window_clerk")
    head = token(api, "mz-head")
    sessions = [token(api, "mz-clerk") for _ in range(2)]
    clerk_id, other_id = _staff_id(identity_app, "mz-clerk"), _staff_id(identity_app, "zwfw-clerk")
    url = f"{BASE}/departments/YQX-MZ/staff/{clerk_id}/sessions"
    assert_error(api.delete(url, headers=bearer(sessions[0])), 403, "STAFF_ROLE_REQUIRED")
    resp = api.delete(url, headers=bearer(head))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"staff_id": clerk_id, "revoked": 2}
    for session in sessions:
        assert_error(api.get(ME, headers=bearer(session)), 401, "STAFF_SESSION_REVOKED")
    assert api.get(ME, headers=bearer(head)).status_code == 200
    # another department's staff: not found here, and not reachable through their department
    assert_error(
        api.delete(f"{BASE}/departments/YQX-MZ/staff/{other_id}/sessions", headers=bearer(head)), 404, "STAFF_NOT_FOUND"
    )
    assert_error(
        api.delete(f"{BASE}/departments/YQX-ZWFW/staff/{other_id}/sessions", headers=bearer(head)),
        403,
        "DEPARTMENT_SCOPE",
    )
    # the CLI: every session of the account
    again = token(api, "mz-clerk")
    result = _cli(identity_app, "revoke-sessions", "MZ-Clerk")
    assert result.exit_code == 0 and "revoked 1 session(s) of mz-clerk" in result.output, result.output
    assert_error(api.get(ME, headers=bearer(again)), 401, "STAFF_SESSION_REVOKED")
    assert _cli(identity_app, "revoke-sessions", "nobody").exit_code != 0


def test_an_expired_session_stops_even_with_a_live_token(api, identity_app):
    create(identity_app, username="clerk-a")
    staff_token = token(api, "clerk-a")
    sid = jwt.decode(staff_token, options={"verify_signature": False})["sid"]
    with identity_app.app_context():
        db.session.get(StaffSession, sid).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert_error(api.get(ME, headers=bearer(staff_token)), 401, "STAFF_TOKEN_EXPIRED")


def test_enrol_by_api_then_every_login_needs_a_fresh_code(api, identity_app):
    create(identity_app, username="clerk-a")
    first, second = token(api, "clerk-a"), token(api, "clerk-a")
    assert_error(
        api.post(f"{BASE}/auth/totp/confirm", json={"code": "123456"}, headers=bearer(first)),
        409,
        "STAFF_TOTP_NOT_PENDING",
    )
    started = api.post(f"{BASE}/auth/totp", json={}, headers=bearer(first))
    assert started.status_code == 200, started.get_json()
    uri = started.get_json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/") and "clerk-a" in uri
    secret = secret_of(uri)
    assert secret == started.get_json()["secret"]
    with identity_app.app_context():  # encrypted at rest, not active before it is confirmed
        user = db.session.scalar(sa.select(StaffUser))
        assert secret not in user.totp_pending_enc and user.totp_secret_enc is None
        assert crypto.decrypt(user.totp_pending_enc, context="staff.totp") == secret
    wrong = "000000" if code(secret) != "000000" else "111111"
    confirm = f"{BASE}/auth/totp/confirm"
    assert_error(api.post(confirm, json={"code": wrong}, headers=bearer(first)), 422, "STAFF_TOTP_INVALID")
    assert_error(api.post(confirm, json={"code": "12ab"}, headers=bearer(first)), 422, "VALIDATION_ERROR")
    used = code(secret)
    resp = api.post(confirm, json={"code": used}, headers=bearer(first))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["totp_enrolled"] is True and resp.get_json()["sessions_revoked"] == 1
    assert api.get(ME, headers=bearer(first)).get_json()["totp_enrolled"] is True
    assert_error(api.get(ME, headers=bearer(second)), 401, "STAFF_SESSION_REVOKED")  # password-only session ended
    with identity_app.app_context():
        assert secret not in db.session.scalar(sa.select(StaffUser.totp_secret_enc))

    assert_error(login(api, "clerk-a"), 401, "STAFF_LOGIN_FAILED")  # no code
    assert_error(login(api, "clerk-a", totp=used), 401, "STAFF_LOGIN_FAILED")  # the confirming code, replayed
    fresh = code(secret, steps=1)
    resp = login(api, "clerk-a", totp=fresh)
    assert resp.status_code == 200, resp.get_json()
    assert_error(login(api, "clerk-a", totp=fresh), 401, "STAFF_LOGIN_FAILED")  # replayed
    assert_error(login(api, "clerk-a", "wrong-password", totp=code(secret)), 401, "STAFF_LOGIN_FAILED")
    # replacing the factor needs a current code of it
    assert_error(api.post(f"{BASE}/auth/totp", json={}, headers=bearer(first)), 422, "STAFF_TOTP_INVALID")


def test_a_stranger_cannot_spend_the_owners_code(api, identity_app):
    """The code is checked only after a right password: a wrong-password attempt with the
    owner's current code does not use it up."""
    create(identity_app, username="clerk-a")
    secret = secret_of(_cli(identity_app, "totp-enrol", "clerk-a").output.strip())
    current = code(secret)
    assert_error(login(api, "clerk-a", "wrong-password", totp=current, ip="10.6.0.1"), 401, "STAFF_LOGIN_FAILED")
    assert login(api, "clerk-a", totp=current, ip="10.6.0.2").status_code == 200


def test_required_second_factor_cli_enrolment_and_old_sessions(api, identity_app, monkeypatch):
    create(identity_app, username="clerk-a")
    before = token(api, "clerk-a")  # a password-only session from before the requirement
    monkeypatch.setitem(identity_app.config, "STAFF_TOTP_REQUIRED", True)
    assert_error(api.get(ME, headers=bearer(before)), 401, "STAFF_SESSION_REVOKED")
    assert_error(login(api, "clerk-a"), 401, "STAFF_LOGIN_FAILED")  # not enrolled: no way in
    result = _cli(identity_app, "totp-enrol", "clerk-a")
    assert result.exit_code == 0, result.output
    secret = secret_of(result.output.strip())
    resp = login(api, "clerk-a", totp=code(secret))
    assert resp.status_code == 200, resp.get_json()
    assert api.get(ME, headers=bearer(resp.get_json()["access_token"])).status_code == 200
    # accounts created while the factor is required get it at once, the URI printed
    output = create(identity_app, username="clerk-b")
    assert "otpauth://totp/" in output
    assert _cli(identity_app, "totp-enrol", "nobody").exit_code != 0


def test_production_always_requires_the_second_factor(identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "STAFF_TOTP_REQUIRED", False)
    with identity_app.app_context():
        assert staff_totp.required() is False
        monkeypatch.setitem(identity_app.config, "ENV_NAME", "production")
        assert staff_totp.required() is True


def test_one_code_presented_twice_at_once_logs_in_once(api, identity_app):
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row-level races are tested on PostgreSQL (SQLite serialises writers)")
    create(identity_app, username="clerk-a")
    secret = secret_of(_cli(identity_app, "totp-enrol", "clerk-a").output.strip())
    current = code(secret)
    n = 6
    barrier = threading.Barrier(n)
    results: list[int] = []
    lock = threading.Lock()

    def worker(i: int):
        client = identity_app.test_client()
        barrier.wait()
        resp = login(client, "clerk-a", totp=current, ip=f"10.7.0.{i}")
        with lock:
            results.append(resp.status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [200] + [401] * (n - 1), results
