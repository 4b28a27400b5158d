"""Face verification (level 4) at WeChat and Alipay, the older WeChat flow, face login across
channels and devices, step-up, and refusal of another account's checks."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.identity.models import Account, FaceCheck, VerificationAttempt, VerifiedIdentity, utcnow

from .helpers import (
    CHEN,
    LIN,
    alipay_login,
    assert_error,
    bearer,
    face_pass,
    face_start,
    me,
    realname,
    sms_login,
    wechat_app_login,
    wechat_login,
)

COMPLETE = "/api/v1/identity/face/complete"


def _verified_wechat(api, user="alice", person=LIN) -> dict:
    return realname(api, wechat_login(api, user=user)["access_token"], person=person)


def _verified_alipay(api, user="alice", person=LIN) -> dict:
    return realname(api, alipay_login(api, user=user)["access_token"], person=person)


def _attempts(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(sa.select(VerificationAttempt).order_by(VerificationAttempt.id))
        return [(r.kind, r.channel, r.outcome, r.code) for r in rows]


# ---------------------------------------------------------------- WeChat


def test_wechat_face_check_steps_up_to_level_4(api, sandbox, identity_app):
    session = _verified_wechat(api)
    started = face_start(api, session["access_token"], channel="wechat")
    assert started["verify_id"] and started["certify_id"] is None and started["expires_in"] == 3600
    resp = api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(session["access_token"]))
    assert_error(resp, 409, "FACE_NOT_FINISHED")  # the citizen has not finished on the phone yet
    sandbox.face_outcome(started["verify_id"], "pass")
    resp = api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(session["access_token"]))
    body = resp.get_json()
    assert resp.status_code == 200 and body["level"] == 4 and body["face_at"]
    assert body["account_id"] == session["account_id"]
    info = me(api, body["access_token"])
    assert info["level"] == 4 and info["face_at"] == body["face_at"]
    assert info["realname"]["face_verified_at"] is not None
    # the same verification cannot be used twice
    assert_error(
        api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(body["access_token"])),
        409,
        "FACE_CHECK_USED",
    )
    assert [a[:3] for a in _attempts(identity_app)] == [
        ("realname", None, "matched"),
        ("face_start", "wechat", "started"),
        ("face_verify", "wechat", "passed"),
    ]


def test_failed_and_cancelled_checks(api, sandbox, identity_app):
    token = _verified_wechat(api)["access_token"]
    for outcome, code in (("fail", "10004"), ("cancel", "90002")):
        started = face_start(api, token, channel="wechat")
        sandbox.face_outcome(started["verify_id"], outcome)
        body = assert_error(
            api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(token)),
            403,
            "FACE_VERIFY_FAILED",
        )
        assert body["details"]["provider_code"] == code
        assert_error(
            api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(token)), 409, "FACE_CHECK_USED"
        )
    assert me(api, token)["level"] == 3


def test_expired_check(api, sandbox, identity_app):
    token = _verified_wechat(api)["access_token"]
    started = face_start(api, token, channel="wechat")
    sandbox.face_outcome(started["verify_id"], "pass")
    with identity_app.app_context():
        db.session.execute(sa.update(FaceCheck).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert_error(
        api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(token)), 409, "FACE_CHECK_EXPIRED"
    )
    assert_error(
        api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(token)), 409, "FACE_CHECK_USED"
    )


def test_another_accounts_check_is_refused(api, sandbox, identity_app):
    alice = _verified_wechat(api, user="alice", person=LIN)["access_token"]
    bob = _verified_wechat(api, user="bob", person=CHEN)["access_token"]
    started = face_start(api, alice, channel="wechat")
    sandbox.face_outcome(started["verify_id"], "pass")
    for url in (COMPLETE, "/api/v1/auth/face"):
        assert_error(
            api.post(url, json={"verify_id": started["verify_id"]}, headers=bearer(bob)), 404, "FACE_CHECK_NOT_FOUND"
        )
    assert_error(api.post(COMPLETE, json={"verify_id": "no-such-id"}, headers=bearer(bob)), 404, "FACE_CHECK_NOT_FOUND")
    # alice's check is untouched by bob's attempts
    assert api.post(COMPLETE, json={"verify_id": started["verify_id"]}, headers=bearer(alice)).status_code == 200


def test_wechat_face_needs_a_wechat_identity_and_the_bound_identity(api, identity_app):
    alipay_only = _verified_alipay(api)["access_token"]
    assert_error(
        api.post("/api/v1/identity/face/start", json={"channel": "wechat"}, headers=bearer(alipay_only)),
        409,
        "CHANNEL_NOT_LINKED",
    )
    token = _verified_wechat(api, user="bob", person=CHEN)["access_token"]
    resp = api.post(
        "/api/v1/identity/face/start",
        json={"channel": "wechat", "name": LIN[0], "id_number": LIN[1]},
        headers=bearer(token),
    )
    assert_error(resp, 403, "IDENTITY_MISMATCH")


def test_face_start_without_real_name_needs_a_registry_match(api, identity_app):
    token = wechat_login(api, user="erin")["access_token"]
    body = assert_error(
        api.post("/api/v1/identity/face/start", json={"channel": "wechat"}, headers=bearer(token)),
        422,
        "VALIDATION_ERROR",
    )
    assert set(body["errors"]) == {"name", "id_number"}
    resp = api.post(
        "/api/v1/identity/face/start",
        json={"channel": "wechat", "name": "林晓兰", "id_number": LIN[1]},
        headers=bearer(token),
    )
    assert_error(resp, 422, "REALNAME_MISMATCH")  # counted like a real-name attempt
    assert _attempts(identity_app) == [("face_start", None, "mismatch", "REALNAME_MISMATCH")]


def test_provider_error_at_start_is_recorded(api, sandbox, identity_app):
    token = _verified_wechat(api)["access_token"]
    sandbox.wechat_fail_next(path="/cityservice/face/identify/getverifyid", errcode=-1)
    assert_error(
        api.post("/api/v1/identity/face/start", json={"channel": "wechat"}, headers=bearer(token)), 503, "PROVIDER_BUSY"
    )
    assert _attempts(identity_app)[-1] == ("face_start", "wechat", "error", "PROVIDER_BUSY")
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FaceCheck)) == 0


def test_face_start_is_rate_limited_per_account_and_ip(api, identity_app, monkeypatch):
    token = _verified_wechat(api)["access_token"]
    monkeypatch.setitem(identity_app.config, "FACE_LIMIT_PER_ACCOUNT", (2, 3600))
    for _ in range(2):
        face_start(api, token, channel="wechat")
    resp = api.post("/api/v1/identity/face/start", json={"channel": "wechat"}, headers=bearer(token))
    assert_error(resp, 429, "FACE_RATE_LIMITED")
    assert int(resp.headers["Retry-After"]) > 0
    monkeypatch.setitem(identity_app.config, "FACE_LIMIT_PER_ACCOUNT", (100, 3600))
    monkeypatch.setitem(identity_app.config, "FACE_LIMIT_PER_IP", (3, 3600))
    other = _verified_wechat(api, user="bob", person=CHEN)["access_token"]
    face_start(api, other, channel="wechat")  # the address's 3rd
    assert_error(
        api.post("/api/v1/identity/face/start", json={"channel": "wechat"}, headers=bearer(other)),
        429,
        "FACE_RATE_LIMITED",
    )


def test_complete_body_needs_exactly_one_reference(api):
    token = wechat_login(api)["access_token"]
    for body in ({}, {"verify_id": "a", "certify_id": "b"}, {"verify_id": "a", "name": "林晓岚"}):
        assert_error(api.post(COMPLETE, json=body, headers=bearer(token)), 422, "VALIDATION_ERROR")


# ---------------------------------------------------------------- the older WeChat flow


def test_legacy_verify_result_flow(api, sandbox, identity_app):
    token = _verified_wechat(api)["access_token"]
    verify_result = sandbox.legacy_verify_result(name=LIN[0], id_number=LIN[1], user="alice")
    resp = api.post(COMPLETE, json={"verify_result": verify_result}, headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["level"] == 4
    token = resp.get_json()["access_token"]
    assert_error(
        api.post(COMPLETE, json={"verify_result": verify_result}, headers=bearer(token)), 409, "FACE_CHECK_USED"
    )


def test_legacy_result_for_another_identity_or_person_fails(api, sandbox, identity_app):
    token = _verified_wechat(api)["access_token"]
    other_identity = sandbox.legacy_verify_result(name=CHEN[0], id_number=CHEN[1], user="alice")
    assert_error(
        api.post(COMPLETE, json={"verify_result": other_identity}, headers=bearer(token)), 403, "FACE_VERIFY_FAILED"
    )
    other_person = sandbox.legacy_verify_result(name=LIN[0], id_number=LIN[1], user="mallory")
    assert_error(
        api.post(COMPLETE, json={"verify_result": other_person}, headers=bearer(token)), 403, "FACE_VERIFY_FAILED"
    )
    failed = sandbox.legacy_verify_result(name=LIN[0], id_number=LIN[1], user="alice", outcome="fail")
    assert_error(api.post(COMPLETE, json={"verify_result": failed}, headers=bearer(token)), 403, "FACE_VERIFY_FAILED")
    # an unknown verify_result is the caller's input (WeChat 84001), not a provider outage
    assert_error(
        api.post(COMPLETE, json={"verify_result": "unknown"}, headers=bearer(token)), 404, "FACE_CHECK_NOT_FOUND"
    )


# ---------------------------------------------------------------- Alipay


def test_alipay_certify_steps_up_to_level_4(api, sandbox, identity_app):
    token = _verified_alipay(api)["access_token"]
    started = face_start(api, token, channel="alipay")
    assert started["certify_id"] and started["certify_url"].startswith(sandbox.alipay_url)
    assert started["verify_id"] is None
    resp = api.post(COMPLETE, json={"certify_id": started["certify_id"]}, headers=bearer(token))
    assert_error(resp, 409, "FACE_NOT_FINISHED")
    sandbox.certify_outcome(started["certify_id"], "pass")
    body = api.post(COMPLETE, json={"certify_id": started["certify_id"]}, headers=bearer(token)).get_json()
    assert body["level"] == 4


def test_alipay_certify_failure(api, sandbox):
    token = _verified_alipay(api)["access_token"]
    started = face_start(api, token, channel="alipay")
    sandbox.certify_outcome(started["certify_id"], "fail")
    body = assert_error(
        api.post(COMPLETE, json={"certify_id": started["certify_id"]}, headers=bearer(token)), 403, "FACE_VERIFY_FAILED"
    )
    assert body["details"]["provider_code"] == "F"


def test_tampered_certify_answer_is_refused_and_the_check_survives(api, sandbox, identity_app):
    token = _verified_alipay(api)["access_token"]
    started = face_start(api, token, channel="alipay")
    sandbox.certify_outcome(started["certify_id"], "pass")
    sandbox.tamper_next_alipay_response("body")
    resp = api.post(COMPLETE, json={"certify_id": started["certify_id"]}, headers=bearer(token))
    assert_error(resp, 502, "PROVIDER_RESPONSE_INVALID")
    assert _attempts(identity_app)[-1] == ("face_verify", "alipay", "error", "PROVIDER_RESPONSE_INVALID")
    assert me(api, token)["level"] == 3
    # an honest answer afterwards still counts
    assert api.post(COMPLETE, json={"certify_id": started["certify_id"]}, headers=bearer(token)).status_code == 200


# ---------------------------------------------------------------- face login and linking


def test_face_login_on_another_channel_links_it_to_the_same_account(api, sandbox, identity_app):
    wechat = _verified_wechat(api, user="alice", person=LIN)
    # alice opens the Alipay mini-program: a fresh level-2 account
    fresh = alipay_login(api, user="alice")
    assert fresh["account_id"] != wechat["account_id"] and fresh["level"] == 2
    body = face_pass(api, sandbox, fresh["access_token"], channel="alipay", person=LIN, url="/api/v1/auth/face")
    assert body["account_id"] == wechat["account_id"] and body["level"] == 4
    kinds = {c["kind"] for c in me(api, body["access_token"])["channels"]}
    assert kinds == {"wechat_openid", "wechat_unionid", "alipay_user_id", "alipay_open_id"}
    # the shell account is gone and its token with it
    assert_error(api.get("/api/v1/me", headers=bearer(fresh["access_token"])), 401, "SESSION_REVOKED")
    # from now on Alipay logs straight into alice's account, at level 3
    later = alipay_login(api, user="alice")
    assert later["account_id"] == wechat["account_id"] and later["level"] == 3
    with identity_app.app_context():
        shell = db.session.get(Account, fresh["account_id"])
        assert shell.status == "merged" and shell.merged_into_id == wechat["account_id"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VerifiedIdentity)) == 1
    assert ("face_login", "alipay", "passed_linked", "T") in _attempts(identity_app)


def test_face_login_on_a_new_device_of_the_same_channel(api, sandbox, identity_app):
    first = _verified_wechat(api, user="alice")
    # a new phone: WeChat logs the same openid in again (level 3), the face check makes it 4
    again = wechat_login(api, user="alice")
    assert again["account_id"] == first["account_id"] and again["level"] == 3
    body = face_pass(api, sandbox, again["access_token"], channel="wechat", url="/api/v1/auth/face")
    assert body["level"] == 4 and body["account_id"] == first["account_id"]


def test_face_login_for_an_identity_nobody_holds_binds_it(api, sandbox, identity_app):
    fresh = alipay_login(api, user="frank")
    body = face_pass(api, sandbox, fresh["access_token"], channel="alipay", person=CHEN, url="/api/v1/auth/face")
    assert body["account_id"] == fresh["account_id"] and body["level"] == 4
    assert me(api, body["access_token"])["realname"]["id_number"] == "5399**********0418"


def test_a_verified_account_cannot_be_pulled_into_another(api, sandbox, identity_app):
    _verified_wechat(api, user="alice", person=LIN)
    bob = _verified_alipay(api, user="bob", person=CHEN)["access_token"]
    # bob (verified as CHEN) cannot start a check for alice's identity
    resp = api.post(
        "/api/v1/identity/face/start",
        json={"channel": "alipay", "name": LIN[0], "id_number": LIN[1]},
        headers=bearer(bob),
    )
    assert_error(resp, 403, "IDENTITY_MISMATCH")


def test_step_up_allows_the_sensitive_action_while_fresh(api, sandbox, identity_app, monkeypatch):
    mini = _verified_wechat(api, user="alice")
    wechat_app_login(api, user="alice")  # the app linked by unionid
    level3 = mini["access_token"]
    assert_error(api.delete("/api/v1/me/channels/wechat_app", headers=bearer(level3)), 403, "STEP_UP_REQUIRED")
    level4 = face_pass(api, sandbox, level3, channel="wechat")["access_token"]
    assert api.delete("/api/v1/me/channels/wechat_app", headers=bearer(level4)).status_code == 204
    channels = me(api, level4)["channels"]
    assert {c["channel"] for c in channels} == {"wechat"}
    assert_error(api.delete("/api/v1/me/channels/wechat", headers=bearer(level4)), 409, "LAST_CHANNEL")
    assert_error(api.delete("/api/v1/me/channels/alipay", headers=bearer(level4)), 404, "CHANNEL_NOT_FOUND")
    monkeypatch.setitem(identity_app.config, "STEP_UP_MAX_AGE", 0)
    assert_error(api.delete("/api/v1/me/channels/wechat", headers=bearer(level4)), 403, "STEP_UP_REQUIRED")


def test_wechat_face_check_needs_the_accounts_mini_program_openid(api, identity_app):
    token = realname(api, sms_login(api, identity_app)["access_token"], person=LIN)["access_token"]
    assert_error(
        api.post("/api/v1/identity/face/start", json={"channel": "wechat"}, headers=bearer(token)),
        409,
        "CHANNEL_NOT_LINKED",
    )
