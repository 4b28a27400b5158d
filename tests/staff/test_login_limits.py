"""Staff login limits that protect people (house rule 18): unknown, wrong, inactive and locked
out look the same; failures count per address and per (username, address) with backoff; nothing
a stranger sends locks the account for its owner."""

from __future__ import annotations

import threading
import time

import jwt
import sqlalchemy as sa

from app.extensions import db
from app.staff.models import StaffAction, StaffUser
from tests.identity.helpers import assert_error, bearer

from .helpers import BASE, code, create, login, secret_of, token


def _same(*responses) -> None:
    bodies = [(r.status_code, {k: v for k, v in r.get_json().items() if k != "request_id"}) for r in responses]
    for b in bodies:
        assert b == bodies[0], (b, bodies[0])


def test_unknown_wrong_inactive_and_wrong_second_factor_get_one_answer(api, identity_app):
    create(identity_app, username="clerk-a")
    create(identity_app, username="clerk-off")
    create(identity_app, username="clerk-2fa")
    uri = identity_app.test_cli_runner().invoke(args=["staff", "totp-enrol", "clerk-2fa"]).output.strip()
    with identity_app.app_context():
        db.session.execute(sa.update(StaffUser).where(StaffUser.username == "clerk-off").values(active=False))
        db.session.commit()
    unknown = login(api, "nobody-here", ip="10.0.0.1")
    wrong = login(api, "clerk-a", "wrong-password", ip="10.0.0.2")
    inactive = login(api, "clerk-off", ip="10.0.0.3")
    no_code = login(api, "clerk-2fa", ip="10.0.0.4")
    wrong_code = login(api, "clerk-2fa", ip="10.0.0.5", totp="000000" if code(secret_of(uri)) != "000000" else "111111")
    _same(unknown, wrong, inactive, no_code, wrong_code)
    assert_error(unknown, 401, "STAFF_LOGIN_FAILED")
    assert unknown.get_json()["errors"] == {}


def test_nobody_can_lock_an_account_for_its_owner(api, identity_app, monkeypatch):
    create(identity_app, username="clerk-a", department="YQX-ZWFW", role="window_clerk")
    for n in range(30):  # thirty wrong passwords from three addresses
        resp = login(api, "clerk-a", "wrong-password", ip=f"10.1.0.{n % 3}")
        assert resp.status_code in (401, 429), resp.get_json()
    resp = login(api, "clerk-a", ip="10.2.0.1")
    assert resp.status_code == 200, resp.get_json()
    with identity_app.app_context():
        outcomes = {
            r.outcome for r in db.session.scalars(sa.select(StaffAction).where(StaffAction.action == "auth.login"))
        }
        assert outcomes == {"failed", "ok"}


def test_spraying_from_one_address_is_stopped_with_429(api, identity_app):
    """Ninety usernames tried from one address: the address is refused after
    STAFF_LOGIN_FAILURES_PER_IP failures, for known and unknown usernames alike."""
    create(identity_app, username="clerk-a")
    limit, window = identity_app.config["STAFF_LOGIN_FAILURES_PER_IP"]
    statuses = [login(api, f"user-{n:02d}", "Password123!", ip="10.3.0.1").status_code for n in range(90)]
    assert statuses[:limit] == [401] * limit and set(statuses[limit:]) == {429}
    known = login(api, "clerk-a", ip="10.3.0.1")  # even the right password waits at this address
    unknown = login(api, "user-99", ip="10.3.0.1")
    body = assert_error(known, 429, "STAFF_LOGIN_RATE_LIMITED")
    _same(known, unknown)
    assert 1 <= int(known.headers["Retry-After"]) <= window
    assert body["details"]["retry_after"] == int(known.headers["Retry-After"])
    assert login(api, "clerk-a", ip="10.3.0.2").status_code == 200  # another address is not affected
    with identity_app.app_context():  # refused attempts never reached the database
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(StaffAction).where(StaffAction.outcome == "failed")
            )
            == limit
        )


def test_failures_back_off_per_username_and_address(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "STAFF_LOGIN_BACKOFF", (3, 1, 900))
    create(identity_app, username="clerk-a")
    for _ in range(3):
        assert_error(login(api, "clerk-a", "wrong-password", ip="10.4.0.1"), 401, "STAFF_LOGIN_FAILED")
    waiting = login(api, "clerk-a", ip="10.4.0.1")  # even the right password waits now
    assert_error(waiting, 429, "STAFF_LOGIN_RATE_LIMITED")
    assert waiting.headers["Retry-After"] == "1"
    assert login(api, "clerk-a", ip="10.4.0.2").status_code == 200  # the owner elsewhere: no wait
    assert login(api, "clerk-b", "x", ip="10.4.0.1").status_code == 401  # another username: no wait
    time.sleep(1.05)
    assert_error(login(api, "clerk-a", "wrong-password", ip="10.4.0.1"), 401, "STAFF_LOGIN_FAILED")
    doubled = login(api, "clerk-a", ip="10.4.0.1")
    assert_error(doubled, 429, "STAFF_LOGIN_RATE_LIMITED")
    assert doubled.headers["Retry-After"] == "2"
    time.sleep(2.05)
    assert login(api, "clerk-a", ip="10.4.0.1").status_code == 200
    # a success clears the backoff: three failures are free again
    for _ in range(3):
        assert_error(login(api, "clerk-a", "wrong-password", ip="10.4.0.1"), 401, "STAFF_LOGIN_FAILED")


def test_parallel_failures_never_pass_the_address_limit(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "STAFF_LOGIN_FAILURES_PER_IP", (5, 900))
    n = 12
    barrier = threading.Barrier(n)
    results: list[int] = []
    lock = threading.Lock()

    def worker(i: int):
        client = identity_app.test_client()
        barrier.wait()
        resp = login(client, f"user-{i}", "wrong-password", ip="10.5.0.1")
        with lock:
            results.append(resp.status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [401] * 5 + [429] * 7, results


def test_staff_tokens_name_their_session(api, identity_app):
    create(identity_app, username="clerk-a")
    claims = jwt.decode(token(api, "clerk-a"), options={"verify_signature": False})
    assert {"sid", "sub", "aud", "exp"} <= set(claims)
    # a token of a session that does not exist, signed with the real key, is refused
    forged = jwt.encode({**claims, "sid": "0" * 32}, identity_app.config["SECRET_KEY"], algorithm="HS256")
    assert_error(api.get(f"{BASE}/me", headers=bearer(forged)), 401, "STAFF_TOKEN_INVALID")
