"""Real name (level 3) against the population registry: match, mismatch counting and lock-out
(per account and address, never per ID number), one account per person with no oracle of who
holds an identity, bad input."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from app.extensions import db
from app.identity.models import AuthSession, VerificationAttempt, VerifiedIdentity

from .helpers import CHEN, LIN, MA, assert_error, bearer, me, realname, sms_login

URL = "/api/v1/identity/realname"


def _post(api, token, name, number, ip=None):
    env = {"REMOTE_ADDR": ip} if ip else {}
    return api.post(URL, json={"name": name, "id_number": number}, headers=bearer(token), environ_base=env)


def test_match_gives_a_level_3_session_and_a_masked_identity(api, identity_app):
    login = sms_login(api, identity_app)
    body = realname(api, login["access_token"], person=MA)
    assert body["level"] == 3 and body["account_id"] == login["account_id"]
    info = me(api, body["access_token"])
    assert info["level"] == 3
    assert info["realname"]["id_number"] == "5399**********079X"
    assert info["realname"]["name"] == "**涛"
    assert info["realname"]["face_verified_at"] is None
    # elevation replaced the old session
    assert_error(api.get("/api/v1/me", headers=bearer(login["access_token"])), 401, "SESSION_REVOKED")
    # the next login of this account starts at level 3
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 2
        attempt = db.session.scalar(sa.select(VerificationAttempt))
        assert (attempt.kind, attempt.outcome, attempt.account_id) == ("realname", "matched", login["account_id"])


def test_lower_case_x_and_spaces_are_accepted(api, identity_app):
    login = sms_login(api, identity_app)
    resp = _post(api, login["access_token"], " 马 文涛", MA[1].lower()[:6] + " " + MA[1].lower()[6:])
    assert resp.status_code == 200, resp.get_json()


def test_mismatches_are_counted_then_locked(api, identity_app):
    login = sms_login(api, identity_app)
    token = login["access_token"]
    for left in (4, 3, 2, 1, 0):
        body = assert_error(_post(api, token, "林晓兰", LIN[1]), 422, "REALNAME_MISMATCH")
        assert body["details"]["remaining_attempts"] == left
    resp = _post(api, token, *LIN)  # even the right answer waits now
    assert_error(resp, 429, "REALNAME_LOCKED")
    assert int(resp.headers["Retry-After"]) > 3600
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VerifiedIdentity)) == 0
        outcomes = db.session.scalars(sa.select(VerificationAttempt.outcome)).all()
        assert outcomes == ["mismatch"] * 5


def test_unknown_number_and_wrong_name_look_the_same(api, identity_app):
    token = sms_login(api, identity_app)["access_token"]
    unknown = "539921199001010" + "02"
    from stdnum.cn import ric

    unknown += ric.calc_check_digit(unknown + "0")
    a = assert_error(_post(api, token, "林晓岚", unknown), 422, "REALNAME_MISMATCH")
    b = assert_error(_post(api, token, "林晓兰", LIN[1]), 422, "REALNAME_MISMATCH")
    assert a["message"] == b["message"]


def test_failures_are_also_limited_per_ip(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "REALNAME_MAX_FAILURES_PER_IP", (3, 3600))
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    for n in range(3):  # three accounts from one address
        token = sms_login(api, identity_app, mobile=f"1330000000{n}", ip="10.5.5.5")["access_token"]
        assert_error(_post(api, token, "错名字", CHEN[1], ip="10.5.5.5"), 422, "REALNAME_MISMATCH")
    token = sms_login(api, identity_app, mobile="13300000009", ip="10.5.5.5")["access_token"]
    assert_error(_post(api, token, *CHEN, ip="10.5.5.5"), 429, "REALNAME_LOCKED")
    # the same person from another address is not held up
    assert _post(api, token, *CHEN, ip="10.5.5.6").status_code == 200


def test_strangers_guessing_at_a_number_do_not_lock_its_owner(api, identity_app, monkeypatch):
    """House rule 18: failures count against the account and address that made them, not the
    person whose ID number was typed."""
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    attacker = sms_login(api, identity_app, mobile="13300000001", ip="10.8.0.1")["access_token"]
    for _ in range(5):
        assert_error(_post(api, attacker, "错名字", CHEN[1], ip="10.8.0.1"), 422, "REALNAME_MISMATCH")
    assert_error(_post(api, attacker, "错名字", CHEN[1], ip="10.8.0.1"), 429, "REALNAME_LOCKED")
    for n in range(4):  # more accounts from more addresses, all against the same number
        other = sms_login(api, identity_app, mobile=f"1330000001{n}", ip=f"10.8.1.{n}")["access_token"]
        for _ in range(2):
            assert_error(_post(api, other, "错名字", CHEN[1], ip=f"10.8.1.{n}"), 422, "REALNAME_MISMATCH")
    owner = sms_login(api, identity_app, mobile="13900000001", ip="10.9.0.1")["access_token"]
    resp = _post(api, owner, *CHEN, ip="10.9.0.1")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["level"] == 3


def test_an_identity_bound_elsewhere_answers_exactly_as_a_mismatch_and_is_counted(api, identity_app, monkeypatch):
    """No unlimited oracle of who uses the service: a right name and number already bound to
    another account get the mismatch's answer, count and history entry."""
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    owner = realname(api, sms_login(api, identity_app, mobile="13100000001")["access_token"], person=LIN)
    prober = sms_login(api, identity_app, mobile="13100000002")["access_token"]
    bound = _post(api, prober, *LIN)
    wrong = _post(api, prober, "林晓兰", LIN[1])
    a = assert_error(bound, 422, "REALNAME_MISMATCH")
    b = assert_error(wrong, 422, "REALNAME_MISMATCH")
    assert a["message"] == b["message"] and "刷脸" in a["message"]  # the owner's way back: face login
    assert (a["details"]["remaining_attempts"], b["details"]["remaining_attempts"]) == (4, 3)
    assert set(a) == set(b) and set(a["errors"]) == set(b["errors"])
    for _ in range(3):
        assert_error(_post(api, prober, *LIN), 422, "REALNAME_MISMATCH")
    assert_error(_post(api, prober, *LIN), 429, "REALNAME_LOCKED")
    page = api.get("/api/v1/identity/verifications", headers=bearer(prober)).get_json()
    assert {(i["outcome"], i["code"]) for i in page["items"]} == {("mismatch", "REALNAME_MISMATCH")}
    assert page["total"] == 5
    with identity_app.app_context():
        rows = db.session.scalars(sa.select(VerifiedIdentity)).all()
        assert [r.account_id for r in rows] == [owner["account_id"]]


def test_already_verified(api, identity_app):
    first = realname(api, sms_login(api, identity_app, mobile="13100000001")["access_token"], person=LIN)
    assert_error(_post(api, first["access_token"], *CHEN), 409, "ALREADY_VERIFIED")


def test_parallel_mismatches_never_pass_the_limit(api, identity_app):
    """Each attempt is counted before the registry is asked: ten at once from one account give
    exactly five mismatches."""
    token = sms_login(api, identity_app)["access_token"]
    n = 10
    barrier = threading.Barrier(n)
    results: list[int] = []
    lock = threading.Lock()

    def worker():
        client = identity_app.test_client()
        barrier.wait()
        resp = _post(client, token, "林晓兰", LIN[1])
        with lock:
            results.append(resp.status_code)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [422] * 5 + [429] * 5, results
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VerificationAttempt)) == 5


def test_bad_input_changes_nothing(api, identity_app):
    token = sms_login(api, identity_app)["access_token"]
    body = assert_error(_post(api, token, "林晓岚", LIN[1][:-1] + "0"), 422, "INVALID_ID_NUMBER")
    assert body["errors"]["id_number"] == ["身份证号码校验位不正确"]
    assert_error(_post(api, token, "Lin", LIN[1]), 422, "INVALID_NAME")
    resp = api.post(URL, json={"name": "林晓岚"}, headers=bearer(token))
    assert "id_number" in assert_error(resp, 422, "VALIDATION_ERROR")["errors"]
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VerificationAttempt)) == 0
    # input errors are not failures: the full allowance remains
    body = assert_error(_post(api, token, "林晓兰", LIN[1]), 422, "REALNAME_MISMATCH")
    assert body["details"]["remaining_attempts"] == 4


def test_needs_a_login(api):
    assert_error(api.post(URL, json={"name": LIN[0], "id_number": LIN[1]}), 401, "TOKEN_MISSING")


def test_history_lists_only_my_own_attempts(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    mine = sms_login(api, identity_app, mobile="13100000003")["access_token"]
    theirs = sms_login(api, identity_app, mobile="13100000004")["access_token"]
    _post(api, mine, "林晓兰", LIN[1])
    _post(api, theirs, "陈云西", CHEN[1])
    _post(api, theirs, "陈云西", CHEN[1])
    page = api.get("/api/v1/identity/verifications", headers=bearer(mine)).get_json()
    assert page["total"] == 1 and page["items"][0]["outcome"] == "mismatch"
    page = api.get("/api/v1/identity/verifications?page_size=1&page=2", headers=bearer(theirs)).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1
