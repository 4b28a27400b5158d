"""sandbox/wechat over raw HTTP: the wire format and the controls, without wechatpy."""

from __future__ import annotations

import json
import secrets

import pytest
import requests

from sandbox import users
from sandbox.server import WECHAT_APPID, WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET, WECHAT_SECRET
from sandbox.wechat_state import cert_hash

NAME, ID_NUMBER = "林晓岚", "11010519491231002X"


@pytest.fixture
def wx(sandbox):
    """GET/POST against the WeChat simulator, answers as JSON."""

    class Client:
        def get(self, path, **params):
            return requests.get(sandbox.wechat_url + path, params=params, timeout=5).json()

        def post(self, path, body, token=None, raw=False):
            data = body if raw else json.dumps(body).encode()
            params = {"access_token": token} if token else {}
            return requests.post(sandbox.wechat_url + path, params=params, data=data, timeout=5).json()

        def token(self, appid=WECHAT_APPID, secret=WECHAT_SECRET):
            return self.get("/cgi-bin/token", grant_type="client_credential", appid=appid, secret=secret)

        def login(self, user="alice"):
            return self.get(
                "/sns/jscode2session",
                appid=WECHAT_APPID,
                secret=WECHAT_SECRET,
                js_code=users.new_code(user),
                grant_type="authorization_code",
            )

    return Client()


def seq() -> str:
    return "s" + secrets.token_hex(8)


def face_body(openid: str, out_seq_no: str | None = None, **cert) -> dict:
    info = {"cert_type": "IDENTITY_CARD", "cert_name": NAME, "cert_no": ID_NUMBER, **cert}
    return {"out_seq_no": out_seq_no or seq(), "cert_info": info, "openid": openid}


# ---------------------------------------------------------------- token and login


def test_token_issue_and_its_errors(wx):
    answer = wx.token()
    assert answer["expires_in"] == 7200 and answer["access_token"] and "errcode" not in answer
    assert wx.token(secret="wrong")["errcode"] == 40125
    assert wx.token(appid="wxunknown")["errcode"] == 40013
    assert wx.get("/cgi-bin/token", grant_type="password", appid=WECHAT_APPID, secret=WECHAT_SECRET)["errcode"] == 40002


def test_a_new_token_leaves_the_previous_one_valid_for_a_grace_period(wx, sandbox):
    first, second = wx.token()["access_token"], wx.token()["access_token"]
    openid = wx.login()["openid"]
    for token in (first, second):
        assert wx.post("/cityservice/face/identify/getverifyid", face_body(openid), token)["errcode"] == 0
    with sandbox.wechat.lock:
        sandbox.wechat.tokens[first].expires_at -= 301
    assert wx.post("/cityservice/face/identify/getverifyid", face_body(openid), first)["errcode"] == 42001


def test_unknown_and_expired_tokens(wx, sandbox):
    openid = wx.login()["openid"]
    assert wx.post("/cityservice/face/identify/getverifyid", face_body(openid), "nope")["errcode"] == 40001
    token = wx.token()["access_token"]
    assert sandbox.expire_wechat_tokens(errcode=42001) >= 1
    assert wx.post("/cityservice/face/identify/getverifyid", face_body(openid), token)["errcode"] == 42001


def test_login_success_carries_no_errcode(wx):
    answer = wx.login("alice")
    assert set(answer) == {"openid", "session_key", "unionid"}


def test_login_checks_app_kind_and_secret(wx):
    base = {"js_code": users.new_code("alice"), "grant_type": "authorization_code"}
    assert wx.get("/sns/jscode2session", appid=WECHAT_APPID, secret="x", **base)["errcode"] == 40125
    open_app = {"appid": WECHAT_OPEN_APPID, "secret": WECHAT_OPEN_SECRET}
    assert wx.get("/sns/jscode2session", **open_app, **base)["errcode"] == 40013
    oauth = {"code": users.new_code("alice"), "grant_type": "authorization_code"}
    assert wx.get("/sns/oauth2/access_token", appid=WECHAT_APPID, secret=WECHAT_SECRET, **oauth)["errcode"] == 40013


def test_oauth2_answer_shape(wx):
    answer = wx.get(
        "/sns/oauth2/access_token",
        appid=WECHAT_OPEN_APPID,
        secret=WECHAT_OPEN_SECRET,
        code=users.new_code("dora"),
        grant_type="authorization_code",
    )
    assert {"access_token", "expires_in", "refresh_token", "openid", "scope", "unionid"} <= set(answer)
    assert answer["unionid"] == users.wechat_unionid("dora")


def test_scripted_error_codes_are_not_consumed(wx):
    params = {"appid": WECHAT_APPID, "secret": WECHAT_SECRET, "grant_type": "authorization_code"}
    for _ in range(2):
        assert wx.get("/sns/jscode2session", js_code="err45011:same", **params)["errcode"] == 45011


def test_identities_are_deterministic_and_shaped_like_the_real_ones():
    assert users.wechat_openid("wxa", "alice") == users.wechat_openid("wxa", "alice")
    assert users.wechat_openid("wxa", "alice") != users.wechat_openid("wxb", "alice")
    assert len(users.wechat_openid("wxa", "alice")) == 28
    assert users.wechat_unionid("alice") != users.wechat_unionid("bob")
    assert users.wechat_unionid("nounion") is None
    assert users.alipay_user_id("alice").startswith("2088") and len(users.alipay_user_id("alice")) == 16
    assert users.alipay_open_id("a", "alice") != users.alipay_open_id("b", "alice")
    with pytest.raises(ValueError):
        users.new_code("no spaces allowed")


# ---------------------------------------------------------------- face verification


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        ({"out_seq_no": "abcd"}, 40097),
        ({"out_seq_no": "a" * 33}, 40097),
        ({"out_seq_no": "bad seq!"}, 40097),
        ({"cert_type": "PASSPORT"}, 40097),
        ({"cert_no": "123"}, 40097),
        ({"cert_name": ""}, 40097),
        ({"openid": "someone"}, 40003),
    ],
)
def test_getverifyid_validates_its_input(wx, change, errcode):
    token, openid = wx.token()["access_token"], wx.login()["openid"]
    body = face_body(change.get("openid", openid), change.get("out_seq_no"))
    body["cert_info"].update({k: v for k, v in change.items() if k.startswith("cert_")})
    assert wx.post("/cityservice/face/identify/getverifyid", body, token)["errcode"] == errcode


def test_getverifyid_refuses_bad_json_and_reused_out_seq_no(wx):
    token, openid = wx.token()["access_token"], wx.login()["openid"]
    assert wx.post("/cityservice/face/identify/getverifyid", b"{not json", token, raw=True)["errcode"] == 47001
    body = face_body(openid)
    answer = wx.post("/cityservice/face/identify/getverifyid", body, token)
    assert answer["errcode"] == 0 and answer["expires_in"] == 3600 and answer["verify_id"]
    reused = wx.post("/cityservice/face/identify/getverifyid", body, token)
    assert reused["errcode"] == 40097 and "already used" in reused["errmsg"]


def test_queryverifyinfo_lifecycle_and_checks(wx, sandbox):
    token, openid = wx.token()["access_token"], wx.login()["openid"]
    body = face_body(openid)
    verify_id = wx.post("/cityservice/face/identify/getverifyid", body, token)["verify_id"]
    query = {
        "verify_id": verify_id,
        "out_seq_no": body["out_seq_no"],
        "openid": openid,
        "cert_hash": cert_hash("IDENTITY_CARD", NAME, ID_NUMBER),
    }
    path = "/cityservice/face/identify/queryverifyinfo"
    assert wx.post(path, query, token)["errcode"] == 84003
    assert wx.post(path, {**query, "cert_hash": "0" * 64}, token)["errcode"] == 40097
    assert wx.post(path, {**query, "out_seq_no": seq()}, token)["errcode"] == 40097
    assert wx.post(path, {**query, "openid": users.wechat_openid(WECHAT_APPID, "bob")}, token)["errcode"] == 40097
    assert wx.post(path, {**query, "verify_id": "vid_unknown"}, token)["errcode"] == 84001

    sandbox.face_outcome(verify_id, verify_ret=90008)
    assert wx.post(path, query, token) | {"errmsg": ""} == {"errcode": 0, "errmsg": "", "verify_ret": 90008}


def test_an_unfinished_face_session_times_out(wx, sandbox):
    token, openid = wx.token()["access_token"], wx.login()["openid"]
    body = face_body(openid)
    verify_id = wx.post("/cityservice/face/identify/getverifyid", body, token)["verify_id"]
    with sandbox.wechat.lock:
        sandbox.wechat.faces[verify_id].created -= 3601
    query = {**body, "verify_id": verify_id, "cert_hash": cert_hash("IDENTITY_CARD", NAME, ID_NUMBER)}
    del query["cert_info"]
    assert wx.post("/cityservice/face/identify/queryverifyinfo", query, token)["verify_ret"] == 90017


def test_face_controls_refuse_nonsense(sandbox):
    url = f"{sandbox.wechat_url}/sandbox/face"
    assert requests.post(f"{url}/vid_nope", json={"outcome": "pass"}, timeout=5).status_code == 404
    assert requests.post(f"{url}/vid_nope", json={"outcome": "maybe"}, timeout=5).status_code == 400
    assert requests.post(f"{url}/legacy", json={"outcome": "pass"}, timeout=5).status_code == 400


def test_the_phone_page_lists_sessions_and_its_buttons_work(wx, sandbox):
    token, openid = wx.token()["access_token"], wx.login()["openid"]
    verify_id = wx.post("/cityservice/face/identify/getverifyid", face_body(openid), token)["verify_id"]
    page = requests.get(f"{sandbox.wechat_url}/sandbox/", timeout=5)
    assert verify_id in page.text and NAME not in page.text  # names are masked
    clicked = requests.post(
        f"{sandbox.wechat_url}/sandbox/face/{verify_id}", data={"outcome": "cancel"}, allow_redirects=False, timeout=5
    )
    assert clicked.status_code == 303
    assert requests.get(f"{sandbox.wechat_url}/sandbox/face/{verify_id}", timeout=5).json()["verify_ret"] == 90002


def test_getinfo_of_the_older_flow(wx, sandbox):
    import hashlib

    token = wx.token()["access_token"]
    verify_result = sandbox.legacy_verify_result(name=NAME, id_number=ID_NUMBER, outcome="pass", user="erin")
    answer = wx.post("/cityservice/face/identify/getinfo", {"verify_result": verify_result}, token)
    assert answer["errcode"] == 0 and answer["identify_ret"] == 0
    assert answer["name_utf8_md5"] == hashlib.md5(NAME.encode()).hexdigest()  # noqa: S324
    assert answer["id_card_number_md5"] == hashlib.md5(ID_NUMBER.encode()).hexdigest()  # noqa: S324
    assert answer["openid"] == users.wechat_openid(WECHAT_APPID, "erin")
    assert wx.post("/cityservice/face/identify/getinfo", {"verify_result": "x"}, token)["errcode"] == 84001
    with sandbox.wechat.lock:
        sandbox.wechat.legacy[verify_result].created -= 7201
    assert wx.post("/cityservice/face/identify/getinfo", {"verify_result": verify_result}, token)["errcode"] == 84002


# ---------------------------------------------------------------- subscribe messages


def message(openid: str, **data) -> dict:
    return {
        "touser": openid,
        "template_id": "tmpl-case-update",
        "page": "pages/case/detail?id=1",
        "data": data or {"thing1": {"value": "营业执照办理"}, "phrase2": {"value": "已受理"}},
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    }


def test_subscribe_send_records_the_message(wx, sandbox):
    token, openid = wx.token()["access_token"], wx.login("frank")["openid"]
    answer = wx.post("/cgi-bin/message/subscribe/send", message(openid), token)
    assert answer["errcode"] == 0
    sent = sandbox.subscribe_messages()[-1]
    assert sent["touser"] == openid and sent["data"]["thing1"]["value"] == "营业执照办理"


def test_subscribe_send_validates(wx):
    token, openid = wx.token()["access_token"], wx.login()["openid"]
    path = "/cgi-bin/message/subscribe/send"
    too_long = wx.post(path, message(openid, thing1={"value": "一" * 21}), token)
    assert too_long["errcode"] == 47003 and "data.thing1.value" in too_long["errmsg"]
    assert wx.post(path, message("nobody"), token)["errcode"] == 40003
    assert wx.post(path, {**message(openid), "template_id": ""}, token)["errcode"] == 40037
    assert wx.post(path, message(openid), "bad-token")["errcode"] == 40001


@pytest.mark.parametrize("errcode", [43101, 40003, 40037, 47003, 41030, -1])
def test_subscribe_send_answers_each_documented_error_on_demand(wx, sandbox, errcode):
    token, openid = wx.token()["access_token"], wx.login("gina")["openid"]
    other = wx.login("hank")["openid"]
    sandbox.subscribe_error(errcode, touser=openid)
    path = "/cgi-bin/message/subscribe/send"
    assert wx.post(path, message(other), token)["errcode"] == 0  # scripted for gina only
    assert wx.post(path, message(openid), token)["errcode"] == errcode
    assert wx.post(path, message(openid), token)["errcode"] == 0  # once


# ---------------------------------------------------------------- generic controls


def test_fail_next_and_the_call_log(wx, sandbox):
    sandbox.wechat_fail_next(path="/cgi-bin/token", http_status=503, body="busy")
    response = requests.get(
        f"{sandbox.wechat_url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": WECHAT_APPID, "secret": WECHAT_SECRET},
        timeout=5,
    )
    assert response.status_code == 503
    assert "access_token" in wx.token()  # only once

    calls = sandbox.wechat_calls(limit=2, path="/cgi-bin/token")
    assert [c["status"] for c in calls] == [200, 503]
    assert calls[0]["query"]["secret"] != WECHAT_SECRET and calls[0]["query"]["appid"] == WECHAT_APPID
    assert all(not c["path"].startswith("/sandbox") for c in sandbox.wechat_calls(limit=500))


def test_fail_next_needs_something_to_do(sandbox):
    answer = requests.post(f"{sandbox.wechat_url}/sandbox/fail-next", json={"times": 2}, timeout=5)
    assert answer.status_code == 400


def test_token_control_reports_fetches(sandbox, wx):
    before = sandbox.wechat_token_fetches()
    wx.token()
    assert sandbox.wechat_token_fetches() == before + 1
    assert (
        requests.post(f"{sandbox.wechat_url}/sandbox/tokens/expire", json={"errcode": 1}, timeout=5).status_code == 400
    )
