"""Real name (level 3) against the population registry: match, mismatch counting and lock-out,
one account per person, bad input."""

from __future__ import annotations

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


def test_failures_are_also_limited_per_ip_and_per_id_number(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "REALNAME_MAX_FAILURES_PER_IP", (3, 3600))
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    for n in range(3):  # three accounts from one address
        token = sms_login(api, identity_app, mobile=f"1330000000{n}", ip="10.5.5.5")["access_token"]
        assert_error(_post(api, token, "错名字", CHEN[1], ip="10.5.5.5"), 422, "REALNAME_MISMATCH")
    token = sms_login(api, identity_app, mobile="13300000009", ip="10.5.5.5")["access_token"]
    assert_error(_post(api, token, *CHEN, ip="10.5.5.5"), 429, "REALNAME_LOCKED")
    # CHEN's number had 3 failures: two more from elsewhere lock the number itself
    for n in range(2):
        token = sms_login(api, identity_app, mobile=f"1320000000{n}", ip=f"10.6.6.{n}")["access_token"]
        assert_error(_post(api, token, "错名字", CHEN[1], ip=f"10.6.6.{n}"), 422, "REALNAME_MISMATCH")
    token = sms_login(api, identity_app, mobile="13200000009", ip="10.7.7.7")["access_token"]
    assert_error(_post(api, token, *CHEN, ip="10.7.7.7"), 429, "REALNAME_LOCKED")


def test_already_verified_and_identity_bound_elsewhere(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    first = realname(api, sms_login(api, identity_app, mobile="13100000001")["access_token"], person=LIN)
    assert_error(_post(api, first["access_token"], *CHEN), 409, "ALREADY_VERIFIED")
    other = sms_login(api, identity_app, mobile="13100000002")["access_token"]
    # a name and a number are not enough to take over someone's account: face login is the way
    body = assert_error(_post(api, other, *LIN), 409, "IDENTITY_BOUND_ELSEWHERE")
    assert "刷脸" in body["message"]
    with identity_app.app_context():
        rows = db.session.scalars(sa.select(VerifiedIdentity)).all()
        assert [r.account_id for r in rows] == [first["account_id"]]


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
