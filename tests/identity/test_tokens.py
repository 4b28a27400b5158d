"""Access tokens (JWT) and rotating refresh tokens: expiry, tampering, reuse, logout, and the
race of one refresh token presented twice at once (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity import tokens
from app.identity.models import AuthSession, RefreshToken, utcnow

from .helpers import assert_error, bearer, me, sms_code, sms_login


def _refresh(api, token):
    return api.post("/api/v1/auth/refresh", json={"refresh_token": token})


def test_access_token_claims(api, identity_app):
    body = sms_login(api, identity_app)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert set(claims) == {"iss", "sub", "sid", "lvl", "auth_time", "face_at", "jti", "iat", "exp"}
    assert claims["sub"] == str(body["account_id"]) and claims["lvl"] == 2 and claims["face_at"] is None
    assert claims["exp"] - claims["iat"] == identity_app.config["ACCESS_TOKEN_TTL"]
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"


def test_refresh_rotates_and_keeps_the_session(api, identity_app):
    first = sms_login(api, identity_app)
    second = _refresh(api, first["refresh_token"]).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["account_id"] == first["account_id"] and second["level"] == first["level"]
    assert second["auth_time"] == first["auth_time"]  # a refresh is not a new authentication
    third = _refresh(api, second["refresh_token"]).get_json()
    assert me(api, third["access_token"])["account_id"] == first["account_id"]
    with identity_app.app_context():
        rows = db.session.scalars(sa.select(RefreshToken)).all()
        assert len(rows) == 3 and len({r.session_id for r in rows}) == 1
        # stored hashed only
        assert all(
            r.token_hash == tokens.hash_refresh_token(t)
            for r, t in zip(
                sorted(rows, key=lambda r: r.id),
                (first["refresh_token"], second["refresh_token"], third["refresh_token"]),
                strict=True,
            )
        )


def test_reusing_a_refresh_token_revokes_the_whole_family(api, identity_app):
    first = sms_login(api, identity_app)
    second = _refresh(api, first["refresh_token"]).get_json()
    assert_error(_refresh(api, first["refresh_token"]), 401, "REFRESH_TOKEN_REUSED")
    # the thief and the owner are both out: the newest refresh and access tokens are dead too
    assert_error(_refresh(api, second["refresh_token"]), 401, "REFRESH_TOKEN_INVALID")
    assert_error(api.get("/api/v1/me", headers=bearer(second["access_token"])), 401, "SESSION_REVOKED")
    with identity_app.app_context():
        session = db.session.scalar(sa.select(AuthSession))
        assert session.revoke_reason == "refresh_reuse"


def test_expired_refresh_token(api, identity_app):
    body = sms_login(api, identity_app)
    with identity_app.app_context():
        db.session.execute(sa.update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert_error(_refresh(api, body["refresh_token"]), 401, "REFRESH_TOKEN_EXPIRED")


def test_unknown_refresh_token(api):
    assert_error(_refresh(api, "x" * 43), 401, "REFRESH_TOKEN_INVALID")
    assert_error(api.post("/api/v1/auth/refresh", json={}), 422, "VALIDATION_ERROR")


def test_missing_invalid_expired_and_tampered_access_tokens(api, identity_app):
    body = sms_login(api, identity_app)
    assert_error(api.get("/api/v1/me"), 401, "TOKEN_MISSING")
    assert_error(api.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "TOKEN_MISSING")
    assert_error(api.get("/api/v1/me", headers=bearer("not-a-jwt")), 401, "TOKEN_INVALID")

    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    secret = identity_app.config["SECRET_KEY"]
    forged = jwt.encode({**claims, "lvl": 4}, "another-secret-of-sufficient-length!", algorithm="HS256")
    assert_error(api.get("/api/v1/me", headers=bearer(forged)), 401, "TOKEN_INVALID")
    unsigned = jwt.encode({**claims, "lvl": 4}, None, algorithm="none")
    assert_error(api.get("/api/v1/me", headers=bearer(unsigned)), 401, "TOKEN_INVALID")
    wrong_issuer = jwt.encode({**claims, "iss": "someone-else"}, secret, algorithm="HS256")
    assert_error(api.get("/api/v1/me", headers=bearer(wrong_issuer)), 401, "TOKEN_INVALID")
    other_account = jwt.encode({**claims, "sub": str(body["account_id"] + 1000)}, secret, algorithm="HS256")
    assert_error(api.get("/api/v1/me", headers=bearer(other_account)), 401, "SESSION_REVOKED")

    with identity_app.app_context():
        session = db.session.get(AuthSession, claims["sid"])
        expired = tokens.encode_access_token(session, now=utcnow() - timedelta(hours=1), ttl=60)
    assert_error(api.get("/api/v1/me", headers=bearer(expired)), 401, "TOKEN_EXPIRED")


def test_logout_needs_a_token(api):
    assert_error(api.post("/api/v1/auth/logout"), 401, "TOKEN_MISSING")


def test_step_up_is_refused_below_level_4_and_when_the_face_check_is_old(api, identity_app):
    body = sms_login(api, identity_app)
    resp = api.delete("/api/v1/me/channels/app", headers=bearer(body["access_token"]))
    err = assert_error(resp, 403, "STEP_UP_REQUIRED")
    assert err["details"]["auth"] == {"required_level": 4, "current_level": 2, "fresh": True}
    # a level-4 session whose face check is older than STEP_UP_MAX_AGE
    with identity_app.app_context():
        sid = jwt.decode(body["access_token"], options={"verify_signature": False})["sid"]
        session = db.session.get(AuthSession, sid)
        session.level = 4
        session.face_at = utcnow() - timedelta(seconds=identity_app.config["STEP_UP_MAX_AGE"] + 5)
        db.session.commit()
        stale = tokens.encode_access_token(session)
    err = assert_error(api.delete("/api/v1/me/channels/app", headers=bearer(stale)), 403, "STEP_UP_REQUIRED")
    assert err["details"]["auth"]["max_age"] == identity_app.config["STEP_UP_MAX_AGE"]
    assert "刷脸" in err["message"]


def test_concurrent_use_of_one_refresh_token_lets_exactly_one_through(api, identity_app):
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks under real concurrency are tested on PostgreSQL (SQLite serialises writers)")
    body = sms_login(api, identity_app)
    n = 8
    barrier = threading.Barrier(n)
    results: list[int] = []
    lock = threading.Lock()

    def worker():
        client = identity_app.test_client()
        barrier.wait()
        resp = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
        with lock:
            results.append((resp.status_code, resp.get_json().get("error")))

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(status for status, _ in results)
    assert codes.count(200) == 1, results
    assert all(status == 401 for status, _ in results if status != 200), results
    with identity_app.app_context():
        used = db.session.scalars(sa.select(RefreshToken).where(RefreshToken.used_at.is_not(None))).all()
        assert len(used) == 1
        # the duplicates were replays: the family is revoked
        assert db.session.scalar(sa.select(AuthSession.revoke_reason)) == "refresh_reuse"


def test_a_disabled_account_cannot_log_in_and_its_tokens_stop(api, identity_app, monkeypatch):
    from app.identity.models import Account

    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    body = sms_login(api, identity_app)
    with identity_app.app_context():
        db.session.get(Account, body["account_id"]).status = "disabled"
        db.session.commit()
    assert_error(api.get("/api/v1/me", headers=bearer(body["access_token"])), 401, "SESSION_REVOKED")
    assert_error(_refresh(api, body["refresh_token"]), 401, "SESSION_REVOKED")
    resp = api.post("/api/v1/auth/sms/send", json={"mobile": "13800138000"})
    assert resp.status_code == 200
    code = sms_code(identity_app, mobile="13800138000")
    assert_error(api.post("/api/v1/auth/sms", json={"mobile": "13800138000", "code": code}), 403, "ACCOUNT_DISABLED")
