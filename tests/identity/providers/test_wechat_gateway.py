"""WeChatGateway through wechatpy, over HTTP, against sandbox/wechat."""

from __future__ import annotations

import pytest

from app.identity.providers.base import (
    BadProviderResponse,
    FaceNotFinished,
    GatewayError,
    InvalidCode,
    ProviderBusy,
    ProviderNotConfigured,
    ProviderRateLimited,
    RiskyUser,
)
from app.identity.providers.wechat import WeChatGateway, cert_hash
from sandbox import users
from sandbox.server import WECHAT_APPID, WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET, WECHAT_SECRET
from sandbox.wechat_state import cert_hash as sandbox_cert_hash
from tests.identity.providers.helpers import ID_NUMBER, NAME, OTHER_ID_NUMBER, OTHER_NAME, closed_port_url, unique


@pytest.fixture
def make_gateway(sandbox, redis_client, key_prefix):
    def make(**overrides) -> WeChatGateway:
        options = {
            "appid": WECHAT_APPID,
            "secret": WECHAT_SECRET,
            "open_appid": WECHAT_OPEN_APPID,
            "open_secret": WECHAT_OPEN_SECRET,
            "api_base": sandbox.wechat_url,
            "redis_client": redis_client,
            "key_prefix": key_prefix,
            "timeout": 3.0,
        }
        options.update(overrides)
        return WeChatGateway(**options)

    return make


@pytest.fixture
def gateway(make_gateway):
    return make_gateway()


def start_face(gateway, sandbox, *, user: str = "alice", name: str = NAME, id_number: str = ID_NUMBER):
    openid = gateway.code_to_session(sandbox.wechat_login_code(user)).openid
    out_seq_no = unique()
    session = gateway.face_start(out_seq_no=out_seq_no, name=name, id_number=id_number, openid=openid)
    return session, {"out_seq_no": out_seq_no, "openid": openid}


# ---------------------------------------------------------------- mini-program login


def test_login_gives_the_same_openid_and_unionid_for_every_code_of_a_user(gateway, sandbox):
    first = gateway.code_to_session(sandbox.wechat_login_code("alice"))
    second = gateway.code_to_session(sandbox.wechat_login_code("alice"))
    other = gateway.code_to_session(sandbox.wechat_login_code("bob"))

    assert first.channel == "wechat" and first.appid == WECHAT_APPID
    assert first.openid == second.openid == users.wechat_openid(WECHAT_APPID, "alice")
    assert first.unionid == second.unionid == users.wechat_unionid("alice")
    assert first.unionid is not None
    assert other.openid != first.openid and other.unionid != first.unionid
    assert first.user_id is None and first.open_id is None


def test_login_of_a_user_without_unionid(gateway, sandbox):
    login = gateway.code_to_session(sandbox.wechat_login_code("nounion-carol"))
    assert login.openid and login.unionid is None


def test_login_needs_no_access_token(gateway, sandbox):
    before = sandbox.wechat_token_fetches()
    gateway.code_to_session(sandbox.wechat_login_code("alice"))
    assert sandbox.wechat_token_fetches() == before


def test_a_code_works_once(gateway, sandbox):
    code = sandbox.wechat_login_code("alice")
    gateway.code_to_session(code)
    with pytest.raises(InvalidCode) as caught:
        gateway.code_to_session(code)
    assert caught.value.provider_code == "40163"
    assert not caught.value.retryable


@pytest.mark.parametrize("code", ["not-a-sandbox-code", "alice", ":x", "alice: spaced"])
def test_a_malformed_code_is_invalid(gateway, code):
    with pytest.raises(InvalidCode) as caught:
        gateway.code_to_session(code)
    assert caught.value.provider_code == "40029"


def test_an_empty_code_is_invalid_without_calling_wechat(gateway, sandbox):
    calls = len(sandbox.wechat_calls(limit=500))
    with pytest.raises(InvalidCode):
        gateway.code_to_session("")
    assert len(sandbox.wechat_calls(limit=500)) == calls


@pytest.mark.parametrize(
    ("code", "error", "provider_code", "retryable"),
    [
        ("err45011:x", ProviderRateLimited, "45011", True),
        ("err40226:x", RiskyUser, "40226", False),
        ("err-1:x", ProviderBusy, "-1", True),
        ("err40125:x", GatewayError, "40125", False),
    ],
)
def test_scripted_login_errors_map_to_typed_errors(gateway, code, error, provider_code, retryable):
    with pytest.raises(GatewayError) as caught:
        gateway.code_to_session(code)
    assert type(caught.value) is error
    assert caught.value.provider_code == provider_code
    assert caught.value.retryable is retryable


def test_a_wrong_secret_is_a_non_retryable_provider_error(make_gateway, sandbox):
    gateway = make_gateway(secret="not-the-secret")
    with pytest.raises(GatewayError) as caught:
        gateway.code_to_session(sandbox.wechat_login_code("alice"))
    assert type(caught.value) is GatewayError
    assert caught.value.provider_code == "40125" and not caught.value.retryable


def test_an_answer_without_openid_is_bad(gateway, sandbox):
    sandbox.wechat_fail_next(path="/sns/jscode2session", body='{"session_key":"abc"}')
    with pytest.raises(BadProviderResponse):
        gateway.code_to_session(sandbox.wechat_login_code("alice"))


# ---------------------------------------------------------------- Open Platform app login


def test_app_login_has_its_own_openid_and_the_same_unionid(gateway, sandbox):
    mini = gateway.code_to_session(sandbox.wechat_login_code("alice"))
    app = gateway.app_login(sandbox.wechat_login_code("alice"))

    assert app.channel == "wechat_app" and app.appid == WECHAT_OPEN_APPID
    assert app.openid == users.wechat_openid(WECHAT_OPEN_APPID, "alice")
    assert app.openid != mini.openid
    assert app.unionid == mini.unionid is not None


def test_app_login_codes_are_single_use_and_checked(gateway, sandbox):
    code = sandbox.wechat_login_code("alice")
    gateway.app_login(code)
    with pytest.raises(InvalidCode):
        gateway.app_login(code)
    with pytest.raises(InvalidCode):
        gateway.app_login("garbage")
    with pytest.raises(ProviderRateLimited):
        gateway.app_login("err45011:y")


def test_app_login_without_open_platform_credentials_is_not_configured(make_gateway, sandbox):
    gateway = make_gateway(open_appid="", open_secret="")
    with pytest.raises(ProviderNotConfigured):
        gateway.app_login(sandbox.wechat_login_code("alice"))


# ---------------------------------------------------------------- the shared access token


def test_two_gateways_share_one_access_token_through_redis(make_gateway, sandbox):
    first, second = make_gateway(), make_gateway()  # same Redis prefix: two processes in effect
    before = sandbox.wechat_token_fetches()
    start_face(first, sandbox)
    start_face(second, sandbox)
    start_face(first, sandbox)
    assert sandbox.wechat_token_fetches() == before + 1


def test_gateways_on_separate_storage_fetch_their_own_token(make_gateway, sandbox):
    before = sandbox.wechat_token_fetches()
    start_face(make_gateway(key_prefix=unique("zsbtest:")), sandbox)
    start_face(make_gateway(key_prefix=unique("zsbtest:")), sandbox)
    assert sandbox.wechat_token_fetches() == before + 2


@pytest.mark.parametrize("errcode", [42001, 40001])
def test_a_refused_token_is_refreshed_once_and_the_call_retried(gateway, sandbox, errcode):
    start_face(gateway, sandbox)
    sandbox.expire_wechat_tokens(errcode=errcode)
    before = sandbox.wechat_token_fetches()

    session, _ = start_face(gateway, sandbox)

    assert session.provider_ref
    assert sandbox.wechat_token_fetches() == before + 1
    answers = [c["errcode"] for c in sandbox.wechat_calls(limit=2, path="/cityservice/face/identify/getverifyid")]
    assert answers == [0, errcode]  # newest first: refused, then retried with the new token


def test_a_token_refused_twice_is_busy_not_a_loop(gateway, sandbox):
    session, ids = start_face(gateway, sandbox)
    before = sandbox.wechat_token_fetches()
    sandbox.wechat_fail_next(path="/cityservice", errcode=40001, times=2)
    with pytest.raises(ProviderBusy) as caught:
        gateway.face_query(verify_id=session.provider_ref, name=NAME, id_number=ID_NUMBER, **ids)
    assert caught.value.provider_code == "40001"
    assert sandbox.wechat_token_fetches() == before + 1


def test_a_token_fetch_with_a_wrong_secret_fails_the_face_call(make_gateway, sandbox):
    good = make_gateway(key_prefix=unique("zsbtest:"))
    openid = good.code_to_session(sandbox.wechat_login_code("alice")).openid
    bad = make_gateway(secret="wrong", key_prefix=unique("zsbtest:"))
    with pytest.raises(GatewayError) as caught:
        bad.face_start(out_seq_no=unique(), name=NAME, id_number=ID_NUMBER, openid=openid)
    assert caught.value.provider_code == "40125"


# ---------------------------------------------------------------- face verification (current flow)


@pytest.mark.parametrize(
    ("outcome", "passed", "code"), [("pass", True, "10000"), ("fail", False, "10004"), ("cancel", False, "90002")]
)
def test_face_verdicts(gateway, sandbox, outcome, passed, code):
    session, ids = start_face(gateway, sandbox)
    assert session.channel == "wechat" and session.expires_in == 3600 and session.certify_url is None
    assert session.out_seq_no == ids["out_seq_no"]

    sandbox.face_outcome(session.provider_ref, outcome)
    result = gateway.face_query(verify_id=session.provider_ref, name=NAME, id_number=ID_NUMBER, **ids)

    assert (result.channel, result.provider_ref, result.passed, result.code) == (
        "wechat",
        session.provider_ref,
        passed,
        code,
    )


def test_face_without_a_verdict_yet_is_not_finished(gateway, sandbox):
    session, ids = start_face(gateway, sandbox)
    with pytest.raises(FaceNotFinished) as caught:
        gateway.face_query(verify_id=session.provider_ref, name=NAME, id_number=ID_NUMBER, **ids)
    assert caught.value.retryable and caught.value.provider_code == "84003"


def test_face_query_accepts_a_lower_case_check_digit(gateway, sandbox):
    session, ids = start_face(gateway, sandbox, id_number=ID_NUMBER.lower())
    sandbox.face_outcome(session.provider_ref, "pass")
    assert gateway.face_query(verify_id=session.provider_ref, name=NAME, id_number=ID_NUMBER, **ids).passed


@pytest.mark.parametrize(("name", "id_number"), [(OTHER_NAME, ID_NUMBER), (NAME, OTHER_ID_NUMBER)])
def test_face_query_for_another_identity_is_refused_by_the_cert_hash(gateway, sandbox, name, id_number):
    session, ids = start_face(gateway, sandbox)
    sandbox.face_outcome(session.provider_ref, "pass")
    with pytest.raises(GatewayError) as caught:
        gateway.face_query(verify_id=session.provider_ref, name=name, id_number=id_number, **ids)
    assert caught.value.provider_code == "40097" and not caught.value.retryable


def test_cert_hash_matches_the_sandbox_definition():
    assert cert_hash("IDENTITY_CARD", NAME, ID_NUMBER) == sandbox_cert_hash("IDENTITY_CARD", NAME, ID_NUMBER)
    assert cert_hash("IDENTITY_CARD", NAME, ID_NUMBER) != cert_hash("IDENTITY_CARD", OTHER_NAME, ID_NUMBER)
    assert len(cert_hash("IDENTITY_CARD", NAME, ID_NUMBER)) == 64


def test_face_start_refuses_a_reused_out_seq_no(gateway, sandbox):
    session, ids = start_face(gateway, sandbox)
    with pytest.raises(GatewayError) as caught:
        gateway.face_start(out_seq_no=ids["out_seq_no"], name=NAME, id_number=ID_NUMBER, openid=ids["openid"])
    assert caught.value.provider_code == "40097"


@pytest.mark.parametrize("out_seq_no", ["abcd", "x" * 33, "has space1", "中文中文中文"])
def test_face_start_checks_out_seq_no_before_calling(gateway, out_seq_no):
    with pytest.raises(ValueError):
        gateway.face_start(out_seq_no=out_seq_no, name=NAME, id_number=ID_NUMBER, openid="o" + "a" * 27)


def test_face_start_with_a_foreign_openid_is_refused(gateway):
    with pytest.raises(GatewayError) as caught:
        gateway.face_start(out_seq_no=unique(), name=NAME, id_number=ID_NUMBER, openid="not-an-openid")
    assert caught.value.provider_code == "40003"


# ---------------------------------------------------------------- face verification (older flow)


def test_legacy_flow_passes_when_identify_ret_and_both_md5s_match(gateway, sandbox):
    verify_result = sandbox.legacy_verify_result(name=NAME, id_number=ID_NUMBER)
    result = gateway.face_legacy(verify_result=verify_result, name=NAME, id_number=ID_NUMBER.lower())
    assert (result.passed, result.code, result.provider_ref) == (True, "0", verify_result)


@pytest.mark.parametrize(
    ("name", "id_number", "mismatch"),
    [(OTHER_NAME, ID_NUMBER, "name_matches"), (NAME, OTHER_ID_NUMBER, "id_card_number_matches")],
)
def test_legacy_flow_with_an_md5_mismatch_does_not_pass(gateway, sandbox, name, id_number, mismatch):
    verify_result = sandbox.legacy_verify_result(name=NAME, id_number=ID_NUMBER)
    result = gateway.face_legacy(verify_result=verify_result, name=name, id_number=id_number)
    assert result.passed is False and result.code == "0"  # WeChat says passed: for someone else
    assert result.detail[mismatch] is False


def test_legacy_flow_failed_at_wechat_does_not_pass(gateway, sandbox):
    verify_result = sandbox.legacy_verify_result(name=NAME, id_number=ID_NUMBER, outcome="fail")
    result = gateway.face_legacy(verify_result=verify_result, name=NAME, id_number=ID_NUMBER)
    assert result.passed is False and result.code == "10004"


def test_legacy_flow_checks_the_openid_when_given(gateway, sandbox):
    verify_result = sandbox.legacy_verify_result(name=NAME, id_number=ID_NUMBER, user="alice")
    alice = users.wechat_openid(WECHAT_APPID, "alice")
    bob = users.wechat_openid(WECHAT_APPID, "bob")
    assert gateway.face_legacy(verify_result=verify_result, name=NAME, id_number=ID_NUMBER, openid=alice).passed
    assert not gateway.face_legacy(verify_result=verify_result, name=NAME, id_number=ID_NUMBER, openid=bob).passed


def test_legacy_flow_with_an_unknown_verify_result(gateway):
    with pytest.raises(GatewayError) as caught:
        gateway.face_legacy(verify_result="vr_unknown", name=NAME, id_number=ID_NUMBER)
    assert caught.value.provider_code == "84001"


# ---------------------------------------------------------------- transport failures


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({"http_status": 503, "body": "<html>busy</html>"}, ProviderBusy),
        ({"http_status": 502}, ProviderBusy),
        ({"http_status": 404, "body": "not found"}, BadProviderResponse),
        ({"body": "<html>not json</html>"}, BadProviderResponse),
        ({"body": '{"errcode": "abc"}'}, BadProviderResponse),
        ({"errcode": -1}, ProviderBusy),
    ],
)
def test_transport_failures_on_login(gateway, sandbox, rule, error):
    sandbox.wechat_fail_next(path="/sns/jscode2session", **rule)
    with pytest.raises(GatewayError) as caught:
        gateway.code_to_session(sandbox.wechat_login_code("alice"))
    assert type(caught.value) is error


def test_a_face_answer_without_verify_ret_is_bad(gateway, sandbox):
    session, ids = start_face(gateway, sandbox)
    sandbox.wechat_fail_next(path="/cityservice/face/identify/queryverifyinfo", body='{"errcode":0,"errmsg":"ok"}')
    with pytest.raises(BadProviderResponse):
        gateway.face_query(verify_id=session.provider_ref, name=NAME, id_number=ID_NUMBER, **ids)


def test_a_failing_token_endpoint_is_busy(gateway, sandbox):
    openid = gateway.code_to_session(sandbox.wechat_login_code("alice")).openid
    sandbox.wechat_fail_next(path="/cgi-bin/token", http_status=500)
    with pytest.raises(ProviderBusy):
        gateway.face_start(out_seq_no=unique(), name=NAME, id_number=ID_NUMBER, openid=openid)


def test_an_unreachable_wechat_is_busy(make_gateway):
    gateway = make_gateway(api_base=closed_port_url())
    with pytest.raises(ProviderBusy):
        gateway.code_to_session("alice:1")
    with pytest.raises(ProviderBusy):
        gateway.face_start(out_seq_no=unique(), name=NAME, id_number=ID_NUMBER, openid="o" + "a" * 27)
    with pytest.raises(ProviderBusy):
        gateway.app_login("alice:1")
