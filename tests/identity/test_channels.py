"""WeChat (mini-program and app) and Alipay login through the real SDKs against the sandbox:
provider errors as envelope errors, reused codes, tampered answers, one account per person."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import Account, ChannelIdentity
from sandbox import users
from sandbox.server import ALIPAY_APP_ID, WECHAT_APPID, WECHAT_OPEN_APPID

from .helpers import alipay_login, assert_error, fresh_code, me, wechat_app_login, wechat_login


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# ---------------------------------------------------------------- WeChat mini-program


def test_wechat_login_creates_one_account_and_links_openid_and_unionid(api, identity_app):
    first = wechat_login(api, user="alice")
    assert first["level"] == 2
    channels = me(api, first["access_token"])["channels"]
    assert [(c["channel"], c["kind"], c["appid"]) for c in channels] == [
        ("wechat", "wechat_openid", WECHAT_APPID),
        ("wechat", "wechat_unionid", None),
    ]
    again = wechat_login(api, user="alice")
    assert again["account_id"] == first["account_id"]
    with identity_app.app_context():
        subjects = set(db.session.scalars(sa.select(ChannelIdentity.subject)))
        assert subjects == {users.wechat_openid(WECHAT_APPID, "alice"), users.wechat_unionid("alice")}
        assert _count(Account) == 1


def test_a_wechat_code_logs_in_once(api):
    code = fresh_code("alice")
    assert api.post("/api/v1/auth/wechat", json={"code": code}).status_code == 200
    assert_error(api.post("/api/v1/auth/wechat", json={"code": code}), 400, "INVALID_LOGIN_CODE")


@pytest.mark.parametrize(
    "code, status, error",
    [
        ("err40029:x", 400, "INVALID_LOGIN_CODE"),
        ("err40163:x", 400, "INVALID_LOGIN_CODE"),
        ("not-a-code", 400, "INVALID_LOGIN_CODE"),
        ("err45011:x", 429, "PROVIDER_RATE_LIMITED"),
        ("err40226:x", 403, "RISKY_USER"),
        ("err-1:x", 503, "PROVIDER_BUSY"),
        ("err40013:x", 502, "PROVIDER_ERROR"),  # undocumented for jscode2session: generic, not a crash
    ],
)
def test_wechat_errcodes_become_clear_envelope_errors(api, identity_app, code, status, error):
    assert_error(api.post("/api/v1/auth/wechat", json={"code": code}), status, error)
    with identity_app.app_context():
        assert _count(Account) == 0


def test_wechat_malformed_or_failing_answers(api, sandbox, identity_app):
    sandbox.wechat_fail_next(path="/sns/jscode2session", body="<html>gateway timeout</html>")
    assert_error(api.post("/api/v1/auth/wechat", json={"code": fresh_code()}), 502, "PROVIDER_RESPONSE_INVALID")
    sandbox.wechat_fail_next(path="/sns/jscode2session", body='{"session_key": "k"}')  # no openid
    assert_error(api.post("/api/v1/auth/wechat", json={"code": fresh_code()}), 502, "PROVIDER_RESPONSE_INVALID")
    sandbox.wechat_fail_next(path="/sns/jscode2session", http_status=502)
    assert_error(api.post("/api/v1/auth/wechat", json={"code": fresh_code()}), 503, "PROVIDER_BUSY")
    with identity_app.app_context():
        assert _count(Account) == 0


def test_wechat_login_refuses_bad_bodies(api):
    assert_error(api.post("/api/v1/auth/wechat", json={}), 422, "VALIDATION_ERROR")
    assert_error(api.post("/api/v1/auth/wechat", json={"code": "a:b", "openid": "x"}), 422, "VALIDATION_ERROR")
    assert_error(api.post("/api/v1/auth/wechat", json={"code": "x" * 300}), 422, "VALIDATION_ERROR")


def test_channel_not_configured(app):
    # the plain test app has no WeChat / Alipay credentials
    client = app.test_client()
    assert_error(client.post("/api/v1/auth/wechat", json={"code": "alice:1"}), 503, "CHANNEL_NOT_CONFIGURED")
    assert_error(client.post("/api/v1/auth/alipay", json={"auth_code": "alice:1"}), 503, "CHANNEL_NOT_CONFIGURED")


# ---------------------------------------------------------------- WeChat app (Open Platform)


def test_unionid_links_the_app_and_the_mini_program(api, identity_app):
    mini = wechat_login(api, user="alice")
    app_login = wechat_app_login(api, user="alice")
    assert app_login["account_id"] == mini["account_id"]
    channels = me(api, app_login["access_token"])["channels"]
    assert {(c["channel"], c["appid"]) for c in channels if c["kind"] == "wechat_openid"} == {
        ("wechat", WECHAT_APPID),
        ("wechat_app", WECHAT_OPEN_APPID),
    }
    # app first, mini-program second: the same
    bob_app = wechat_app_login(api, user="bob")
    assert wechat_login(api, user="bob")["account_id"] == bob_app["account_id"] != mini["account_id"]


def test_without_unionid_the_app_and_the_mini_program_stay_apart(api):
    mini = wechat_login(api, user="nounion-carol")
    app_login = wechat_app_login(api, user="nounion-carol")
    assert mini["account_id"] != app_login["account_id"]
    assert [c["kind"] for c in me(api, mini["access_token"])["channels"]] == ["wechat_openid"]


def test_wechat_app_code_errors(api):
    code = fresh_code("alice")
    assert api.post("/api/v1/auth/wechat-app", json={"code": code}).status_code == 200
    assert_error(api.post("/api/v1/auth/wechat-app", json={"code": code}), 400, "INVALID_LOGIN_CODE")
    assert_error(api.post("/api/v1/auth/wechat-app", json={"code": "err40226:x"}), 403, "RISKY_USER")


# ---------------------------------------------------------------- Alipay


def test_alipay_login_models_user_id_and_open_id(api, identity_app):
    first = alipay_login(api, user="alice")
    assert first["level"] == 2
    kinds = {(c["kind"], c["appid"]) for c in me(api, first["access_token"])["channels"]}
    assert kinds == {("alipay_user_id", None), ("alipay_open_id", ALIPAY_APP_ID)}
    assert alipay_login(api, user="alice")["account_id"] == first["account_id"]
    with identity_app.app_context():
        subjects = set(db.session.scalars(sa.select(ChannelIdentity.subject)))
        assert subjects == {users.alipay_user_id("alice"), users.alipay_open_id(ALIPAY_APP_ID, "alice")}
    # WeChat alice is not known to be Alipay alice until she proves it by face
    assert wechat_login(api, user="alice")["account_id"] != first["account_id"]


def test_alipay_codes_and_errors(api, identity_app):
    code = fresh_code("alice")
    assert api.post("/api/v1/auth/alipay", json={"auth_code": code}).status_code == 200
    assert_error(api.post("/api/v1/auth/alipay", json={"auth_code": code}), 400, "INVALID_LOGIN_CODE")
    assert_error(api.post("/api/v1/auth/alipay", json={"auth_code": "err:x"}), 400, "INVALID_LOGIN_CODE")
    assert_error(api.post("/api/v1/auth/alipay", json={"auth_code": "errbusy:x"}), 503, "PROVIDER_BUSY")


@pytest.mark.parametrize("mode", ["body", "signature", "unsigned"])
def test_a_tampered_alipay_answer_is_never_trusted(api, sandbox, identity_app, mode):
    sandbox.tamper_next_alipay_response(mode)
    assert_error(
        api.post("/api/v1/auth/alipay", json={"auth_code": fresh_code("mallory")}), 502, "PROVIDER_RESPONSE_INVALID"
    )
    with identity_app.app_context():
        assert _count(Account) == 0 and _count(ChannelIdentity) == 0


def test_concurrent_first_logins_of_one_person_make_one_account(api, identity_app):
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrent inserts racing on the unique identifier are tested on PostgreSQL")
    n = 6
    barrier = threading.Barrier(n)
    results = []
    lock = threading.Lock()

    def worker(i):
        client = identity_app.test_client()
        barrier.wait()
        route, body = (
            ("/api/v1/auth/wechat", {"code": fresh_code("dave")})
            if i % 2
            else ("/api/v1/auth/wechat-app", {"code": fresh_code("dave")})
        )
        resp = client.post(route, json=body)
        with lock:
            results.append((resp.status_code, resp.get_json().get("account_id")))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [s for s, _ in results] == [200] * n, results
    assert len({a for _, a in results}) == 1, results
    with identity_app.app_context():
        assert _count(Account) == 1
        assert _count(ChannelIdentity) == 3  # mini-program openid, app openid, one unionid
