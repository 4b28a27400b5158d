"""app.ratelimit: Redis windows shared by every process, 429 envelopes with Retry-After."""

from __future__ import annotations

import uuid

import pytest

from app import ratelimit
from app.errors import RateLimited

from .helpers import assert_error


def test_hit_counts_and_refuses_past_the_limit(app):
    key = f"test:{uuid.uuid4().hex}"
    with app.app_context():
        assert [ratelimit.hit(key, 3, 60) for _ in range(3)] == [1, 2, 3]
        with pytest.raises(RateLimited) as info:
            ratelimit.hit(key, 3, 60)
        assert 1 <= info.value.retry_after <= 60
        assert info.value.headers == {"Retry-After": str(info.value.retry_after)}
        assert ratelimit.retry_after(key) >= 1


def test_check_refuses_without_counting_and_reset_forgets(app):
    key = f"test:{uuid.uuid4().hex}"
    with app.app_context():
        assert ratelimit.check(key, 2) == 0
        ratelimit.record(key, 60)
        ratelimit.record(key, 60)
        with pytest.raises(RateLimited):
            ratelimit.check(key, 2)
        assert ratelimit.count(key) == 2  # refusing did not count
        ratelimit.reset(key)
        assert ratelimit.check(key, 2) == 0


def test_window_expires(app):
    key = f"test:{uuid.uuid4().hex}"
    with app.app_context():
        ratelimit.hit(key, 1, 0.05)
        with pytest.raises(RateLimited):
            ratelimit.hit(key, 1, 0.05)
        import time

        time.sleep(0.1)
        assert ratelimit.hit(key, 1, 0.05) == 1


def test_login_limit_per_ip_is_a_429_envelope_with_retry_after(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "LOGIN_LIMIT_PER_IP", (2, 60))
    for _ in range(2):
        resp = api.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
        assert resp.status_code == 401
    resp = api.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    body = assert_error(resp, 429, "LOGIN_RATE_LIMITED")
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert body["details"]["retry_after"] == int(resp.headers["Retry-After"])
    # another client address is not affected
    other = api.post("/api/v1/auth/refresh", json={"refresh_token": "nope"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 401


def test_login_limit_per_account(api, identity_app, monkeypatch):
    from .helpers import fresh_code

    monkeypatch.setitem(identity_app.config, "LOGIN_LIMIT_PER_ACCOUNT", (2, 60))
    for n in range(2):
        resp = api.post(
            "/api/v1/auth/wechat", json={"code": fresh_code("alice")}, environ_base={"REMOTE_ADDR": f"10.3.0.{n}"}
        )
        assert resp.status_code == 200
    resp = api.post("/api/v1/auth/wechat", json={"code": fresh_code("alice")}, environ_base={"REMOTE_ADDR": "10.3.0.9"})
    assert_error(resp, 429, "LOGIN_RATE_LIMITED")
    # someone else is not held up by alice's logins
    assert api.post("/api/v1/auth/wechat", json={"code": fresh_code("bob")}).status_code == 200
