"""AlipayGateway through the official alipay-sdk-python, over HTTP, against sandbox/alipay."""

from __future__ import annotations

import html
import re
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests

from app.clients.alipay import sdk_shim
from app.identity.providers.alipay import AlipayGateway
from app.identity.providers.base import (
    BadProviderResponse,
    FaceNotFinished,
    GatewayError,
    InvalidCode,
    ProviderBusy,
)
from sandbox import users
from sandbox.server import ALIPAY_APP_ID
from tests.identity.providers.helpers import ID_NUMBER, NAME, closed_port_url, unique


@pytest.fixture
def make_gateway(sandbox):
    def make(**overrides) -> AlipayGateway:
        settings = sandbox.settings
        options = {
            "app_id": settings["ALIPAY_APP_ID"],
            "app_private_key": settings["ALIPAY_APP_PRIVATE_KEY"],
            "alipay_public_key": settings["ALIPAY_PUBLIC_KEY"],
            "server_url": settings["ALIPAY_SERVER_URL"],
            "certify_return_url": settings["ALIPAY_CERTIFY_RETURN_URL"],
            "timeout": 5,
        }
        options.update(overrides)
        return AlipayGateway(**options)

    return make


@pytest.fixture
def gateway(make_gateway):
    return make_gateway()


def start(gateway, **overrides):
    options = {
        "outer_order_no": unique(),
        "name": NAME,
        "id_number": ID_NUMBER,
        "return_url": "https://zsb.example/done",
    }
    options.update(overrides)
    return gateway.certify_start(**options)


# ---------------------------------------------------------------- login


def test_oauth_token_gives_stable_user_id_and_per_app_open_id(gateway, sandbox):
    first = gateway.oauth_token(sandbox.alipay_auth_code("alice"))
    second = gateway.oauth_token(sandbox.alipay_auth_code("alice"))
    other = gateway.oauth_token(sandbox.alipay_auth_code("bob"))

    assert first.channel == "alipay" and first.appid == ALIPAY_APP_ID
    assert re.fullmatch(r"2088\d{12}", first.user_id)
    assert first.user_id == second.user_id == users.alipay_user_id("alice")
    assert first.open_id == second.open_id == users.alipay_open_id(ALIPAY_APP_ID, "alice")
    assert other.user_id != first.user_id and other.open_id != first.open_id
    assert first.openid is None and first.unionid is None


def test_an_auth_code_works_once(gateway, sandbox):
    code = sandbox.alipay_auth_code("alice")
    gateway.oauth_token(code)
    with pytest.raises(InvalidCode) as caught:
        gateway.oauth_token(code)
    assert caught.value.provider_code == "isv.code-invalid"


@pytest.mark.parametrize("code", ["err:x", "garbage", ""])
def test_invalid_auth_codes(gateway, code):
    with pytest.raises(InvalidCode):
        gateway.oauth_token(code)


def test_a_busy_alipay_on_login(gateway):
    with pytest.raises(ProviderBusy) as caught:
        gateway.oauth_token("errbusy:x")
    assert caught.value.provider_code == "isp.unknow-error" and caught.value.retryable


# ---------------------------------------------------------------- real-person certification


@pytest.mark.parametrize(("outcome", "passed", "code"), [("pass", True, "T"), ("fail", False, "F")])
def test_certify_verdicts(gateway, sandbox, outcome, passed, code):
    session = start(gateway)
    sandbox.certify_outcome(session.provider_ref, outcome)
    result = gateway.certify_query(certify_id=session.provider_ref)
    assert (result.channel, result.provider_ref, result.passed, result.code) == (
        "alipay",
        session.provider_ref,
        passed,
        code,
    )
    assert bool(result.detail.get("fail_reason")) is not passed


def test_certify_without_a_verdict_yet_is_not_finished(gateway):
    session = start(gateway)
    with pytest.raises(FaceNotFinished):
        gateway.certify_query(certify_id=session.provider_ref)


def test_certify_start_gives_a_signed_page_url_the_phone_can_open(gateway, sandbox):
    outer_order_no = unique()
    session = start(gateway, outer_order_no=outer_order_no, id_number=ID_NUMBER.lower())
    assert session.channel == "alipay" and session.out_seq_no == outer_order_no
    assert session.expires_in == 23 * 3600

    url = urlparse(session.certify_url)
    assert f"{url.scheme}://{url.netloc}" == sandbox.alipay_url and url.path == "/gateway.do"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["method"] == "alipay.user.certify.open.certify" and query["sign"]
    assert session.provider_ref in query["biz_content"]

    page = requests.get(session.certify_url, timeout=5)
    assert page.status_code == 200 and session.provider_ref in page.text and "<form" in page.text

    query["biz_content"] = query["biz_content"].replace(session.provider_ref[:4], "ffff")
    forged = requests.get(f"{sandbox.alipay_url}/gateway.do?{urlencode(query)}", timeout=5)
    assert "isv.invalid-signature" in forged.text


def test_the_sdks_post_form_variant_of_the_page_works_too(gateway, sandbox):
    from alipay.aop.api.domain.AlipayUserCertifyOpenCertifyModel import AlipayUserCertifyOpenCertifyModel
    from alipay.aop.api.request.AlipayUserCertifyOpenCertifyRequest import AlipayUserCertifyOpenCertifyRequest

    session = start(gateway)
    model = AlipayUserCertifyOpenCertifyModel()
    model.certify_id = session.provider_ref
    form = gateway._client.page_execute(AlipayUserCertifyOpenCertifyRequest(biz_model=model))  # http_method POST
    action = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
    fields = {k: html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}
    assert action.startswith(f"{sandbox.alipay_url}/gateway.do?") and "biz_content" in fields
    page = requests.post(action, data=fields, timeout=5)
    assert page.status_code == 200 and session.provider_ref in page.text and "<form" in page.text


def test_certify_start_uses_the_configured_return_url_by_default(gateway, sandbox):
    session = gateway.certify_start(outer_order_no=unique(), name=NAME, id_number=ID_NUMBER)
    certification = sandbox.alipay.certifications[session.provider_ref]
    assert certification.return_url == sandbox.settings["ALIPAY_CERTIFY_RETURN_URL"]
    assert certification.cert_no == ID_NUMBER  # sent upper-cased


def test_certify_start_refuses_a_reused_outer_order_no(gateway):
    outer_order_no = unique()
    start(gateway, outer_order_no=outer_order_no)
    with pytest.raises(GatewayError) as caught:
        start(gateway, outer_order_no=outer_order_no)
    assert caught.value.provider_code == "OUTER_ORDER_NO_REPEATED" and not caught.value.retryable


@pytest.mark.parametrize("outer_order_no", ["", "with-dash", "x" * 33])
def test_certify_start_checks_outer_order_no_before_calling(gateway, outer_order_no):
    with pytest.raises(ValueError):
        start(gateway, outer_order_no=outer_order_no)


def test_certify_query_of_an_unknown_certify_id(gateway):
    with pytest.raises(GatewayError) as caught:
        gateway.certify_query(certify_id="0" * 32)
    assert caught.value.provider_code == "CERTIFY_ID_NOT_EXIST"


# ---------------------------------------------------------------- signatures


@pytest.mark.parametrize("mode", ["body", "signature", "unsigned"])
def test_a_tampered_response_is_never_trusted(gateway, sandbox, mode):
    session = start(gateway)
    sandbox.certify_outcome(session.provider_ref, "pass")
    sandbox.tamper_next_alipay_response(mode)
    with pytest.raises(BadProviderResponse):
        gateway.certify_query(certify_id=session.provider_ref)
    assert gateway.certify_query(certify_id=session.provider_ref).passed  # the untampered answer


def test_a_tampered_login_response_is_never_trusted(gateway, sandbox):
    sandbox.tamper_next_alipay_response()
    with pytest.raises(BadProviderResponse):
        gateway.oauth_token(sandbox.alipay_auth_code("alice"))


def test_a_replayed_answer_of_another_method_is_not_a_verdict(gateway, sandbox):
    session = start(gateway)  # the sandbox's last answer is now this initialize answer
    sandbox.tamper_next_alipay_response("replay")
    with pytest.raises(BadProviderResponse):
        gateway.certify_query(certify_id=session.provider_ref)


def test_a_response_signed_by_another_key_is_never_trusted(make_gateway, sandbox, stranger_keypair):
    gateway = make_gateway(alipay_public_key=stranger_keypair.public_pem)
    with pytest.raises(BadProviderResponse):
        gateway.oauth_token(sandbox.alipay_auth_code("alice"))


def test_a_request_signed_with_the_wrong_app_key_is_refused_by_alipay(make_gateway, sandbox, stranger_keypair):
    gateway = make_gateway(app_private_key=stranger_keypair.private_pem)
    with pytest.raises(GatewayError) as caught:
        gateway.oauth_token(sandbox.alipay_auth_code("alice"))
    assert type(caught.value) is GatewayError
    assert caught.value.provider_code == "isv.invalid-signature" and not caught.value.retryable


# ---------------------------------------------------------------- transport failures and the SDK shim


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({"http_status": 502, "body": "<html>bad gateway</html>"}, ProviderBusy),
        ({"http_status": 503}, ProviderBusy),
        ({"http_status": 404, "body": "nope"}, BadProviderResponse),
        ({"body": "<html>maintenance</html>"}, BadProviderResponse),
        ({"errcode": "20000"}, ProviderBusy),
    ],
)
def test_transport_failures(gateway, sandbox, rule, error):
    session = start(gateway)
    sandbox.alipay_fail_next(method="alipay.user.certify.open.query", **rule)
    with pytest.raises(GatewayError) as caught:
        gateway.certify_query(certify_id=session.provider_ref)
    assert type(caught.value) is error


def test_an_unreachable_alipay_is_busy(make_gateway):
    gateway = make_gateway(server_url=f"{closed_port_url()}/gateway.do")
    with pytest.raises(ProviderBusy):
        gateway.oauth_token("alice:1")


def test_the_shim_keeps_the_port_and_the_default_url():
    url, connection = sdk_shim.get_http_connection("http://127.0.0.1:9123/gateway.do", "a=b", 3)
    assert (connection.host, connection.port, url) == ("127.0.0.1", 9123, "http://127.0.0.1:9123/gateway.do?a=b")
    url, connection = sdk_shim.get_http_connection("https://openapi.alipay.com/gateway.do", "a=b", 3)
    assert (connection.port, url) == (443, "https://openapi.alipay.com/gateway.do?a=b")


def test_the_shim_stamps_beijing_time_whatever_the_server_timezone():
    sdk_shim.install()
    client_module = sys.modules["alipay.aop.api.DefaultAlipayClient"]
    stamped = client_module.datetime.datetime.now()
    beijing = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=8)
    assert abs(stamped - beijing) < timedelta(seconds=5)
