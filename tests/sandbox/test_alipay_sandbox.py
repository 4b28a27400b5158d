"""sandbox/alipay over raw HTTP: request signatures checked, responses signed the way the
official SDK verifies them — tested with our own signing code, not the SDK's."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from alipay.aop.api.constant.CommonConstants import PATTERN_RESPONSE_BEGIN, PATTERN_RESPONSE_SIGN_BEGIN
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox.server import ALIPAY_APP_ID

BEIJING = ZoneInfo("Asia/Shanghai")


def sign(private_key, params: dict) -> str:
    content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)
    return base64.b64encode(private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def request_params(api: str, biz: dict | None = None, *, key=None, sandbox=None, **overrides) -> dict:
    params = {
        "app_id": ALIPAY_APP_ID,
        "method": api,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        "version": "1.0",
    }
    if biz is not None:
        params["biz_content"] = json.dumps(biz, ensure_ascii=False)
    params.update(overrides)
    params["sign"] = sign(key or sandbox.keys.app.private_key, params)
    return params


def call(sandbox, params: dict) -> tuple[str, dict, str | None]:
    """POST like the SDK (common params in the query, the rest in the body); returns
    (response key, response object, sign) after checking the layout."""
    common = {k: v for k, v in params.items() if k not in ("biz_content", "code", "grant_type")}
    body = {k: v for k, v in params.items() if k not in common}
    text = requests.post(f"{sandbox.alipay_url}/gateway.do", params=common, data=body, timeout=5).text
    outer = json.loads(text)
    key = next(k for k in outer if k.endswith("_response"))
    return key, outer[key], outer.get("sign")


def verify_like_the_sdk(sandbox, text: str) -> bool:
    """Extract the signed text the way DefaultAlipayClient does and check it with Alipay's key."""
    begin, sign_at = PATTERN_RESPONSE_BEGIN.search(text), list(PATTERN_RESPONSE_SIGN_BEGIN.finditer(text))[-1]
    content = text[begin.end() - 1 : sign_at.start() + 1]
    signature = text[sign_at.end() : text.find('"', sign_at.end())]
    try:
        sandbox.keys.alipay.public_key.verify(
            base64.b64decode(signature), content.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


def raw_post(sandbox, params: dict) -> str:
    return requests.post(f"{sandbox.alipay_url}/gateway.do", data=params, timeout=5).text


def test_a_signed_request_gets_a_signed_answer(sandbox):
    params = request_params("alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code="ann:1")
    text = raw_post(sandbox, params)
    assert text.startswith('{"alipay_system_oauth_token_response":{') and '"sign":"' in text
    assert verify_like_the_sdk(sandbox, text)
    answer = json.loads(text)["alipay_system_oauth_token_response"]
    assert answer["user_id"].startswith("2088") and "code" not in answer  # like the real success answer


def test_empty_parameters_are_left_out_of_the_signature(sandbox):
    params = request_params(
        "alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code="ann:2", notify_url=""
    )
    _, answer, _ = call(sandbox, params)
    assert answer.get("user_id")


def test_a_wrong_request_signature_is_refused_with_a_signed_error(sandbox, stranger_keypair):
    intruder = stranger_keypair.private_key
    params = request_params(
        "alipay.system.oauth.token", key=intruder, sandbox=sandbox, grant_type="authorization_code", code="ann:3"
    )
    text = raw_post(sandbox, params)
    key, answer, _ = call(sandbox, params)
    assert (key, answer["code"], answer["sub_code"]) == ("error_response", "40002", "isv.invalid-signature")
    assert verify_like_the_sdk(sandbox, text)


def test_a_request_changed_after_signing_is_refused(sandbox):
    params = request_params("alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code="ann:4")
    params["code"] = "ann:5"
    assert call(sandbox, params)[1]["sub_code"] == "isv.invalid-signature"


@pytest.mark.parametrize(
    ("overrides", "sub_code"),
    [
        ({"sign": ""}, "isv.missing-signature"),
        ({"app_id": "2021999999999999"}, "isv.invalid-app-id"),
        ({"method": "alipay.trade.pay"}, "isv.invalid-method"),
        ({"sign_type": "RSA"}, "isv.invalid-signature-type"),
        ({"charset": "gbk"}, "isv.invalid-charset"),
        ({"version": "2.0"}, "isv.invalid-version"),
        ({"timestamp": "2026/01/01 00:00"}, "isv.invalid-timestamp"),
        ({"timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}, "isv.invalid-timestamp"),  # not Beijing
        (
            {"timestamp": (datetime.now(BEIJING) - timedelta(minutes=16)).strftime("%Y-%m-%d %H:%M:%S")},
            "isv.invalid-timestamp",
        ),
    ],
)
def test_common_parameter_checks(sandbox, overrides, sub_code):
    overrides = dict(overrides)
    method = overrides.pop("method", "alipay.system.oauth.token")
    params = request_params(method, sandbox=sandbox, grant_type="authorization_code", code="ann:6", **overrides)
    if "sign" in overrides:
        params["sign"] = overrides["sign"]
    assert call(sandbox, params)[1]["sub_code"] == sub_code


def test_certify_initialize_validates_its_business_fields(sandbox):
    good = {
        "outer_order_no": "zsbraw0001",
        "biz_code": "FACE",
        "identity_param": {
            "identity_type": "CERT_INFO",
            "cert_type": "IDENTITY_CARD",
            "cert_name": "林晓岚",
            "cert_no": "11010519491231002X",
        },
        "merchant_config": {"return_url": "https://zsb.example/done"},
    }
    method = "alipay.user.certify.open.initialize"
    cases = [
        ({"outer_order_no": "has-dash"}, "INVALID_PARAMETER"),
        ({"biz_code": "VOICE"}, "INVALID_PARAMETER"),
        ({"identity_param": "not json"}, "INVALID_PARAMETER"),
        ({"identity_param": {**good["identity_param"], "cert_no": "123"}}, "INVALID_PARAMETER"),
        ({"merchant_config": {}}, "INVALID_PARAMETER"),
    ]
    for change, sub_code in cases:
        key, answer, _ = call(sandbox, request_params(method, {**good, **change}, sandbox=sandbox))
        assert (key, answer["code"], answer["sub_code"]) == (
            "alipay_user_certify_open_initialize_response",
            "40004",
            sub_code,
        )

    as_text = {**good, "identity_param": json.dumps(good["identity_param"], ensure_ascii=False)}
    _, answer, _ = call(sandbox, request_params(method, as_text, sandbox=sandbox))  # JSON text is fine too
    assert answer["code"] == "10000" and answer["certify_id"]
    _, again, _ = call(sandbox, request_params(method, good, sandbox=sandbox))
    assert again["sub_code"] == "OUTER_ORDER_NO_REPEATED"

    certify_id = answer["certify_id"]
    query = "alipay.user.certify.open.query"
    _, pending, _ = call(sandbox, request_params(query, {"certify_id": certify_id}, sandbox=sandbox))
    assert pending == {"code": "10000", "msg": "Success", "passed": "F"}  # no verdict: no fail_reason

    done = requests.post(
        f"{sandbox.alipay_url}/sandbox/certify/{certify_id}", data={"outcome": "pass"}, allow_redirects=False, timeout=5
    )
    assert done.status_code == 303 and done.headers["Location"] == "https://zsb.example/done"
    _, verdict, _ = call(sandbox, request_params(query, {"certify_id": certify_id}, sandbox=sandbox))
    assert verdict["passed"] == "T"


def test_bad_biz_content(sandbox):
    params = request_params("alipay.user.certify.open.query", sandbox=sandbox, biz_content="{oops")
    assert call(sandbox, params)[1]["sub_code"] == "isv.invalid-biz-content"


@pytest.mark.parametrize("mode", ["body", "signature"])
def test_tampered_answers_fail_the_sdk_style_check(sandbox, mode):
    sandbox.tamper_next_alipay_response(mode)
    text = raw_post(
        sandbox,
        request_params(
            "alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code=f"ann:t{mode}"
        ),
    )
    assert not verify_like_the_sdk(sandbox, text)
    text = raw_post(
        sandbox,
        request_params(
            "alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code=f"ann:u{mode}"
        ),
    )
    assert verify_like_the_sdk(sandbox, text)  # only the next one


def test_unsigned_and_replayed_answers(sandbox):
    first = raw_post(
        sandbox,
        request_params("alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code="ann:r1"),
    )
    sandbox.tamper_next_alipay_response("replay")
    replayed = raw_post(
        sandbox,
        request_params("alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code="ann:r2"),
    )
    assert replayed == first
    sandbox.tamper_next_alipay_response("unsigned")
    unsigned = raw_post(
        sandbox,
        request_params("alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code="ann:r3"),
    )
    assert '"sign"' not in unsigned


def test_controls_refuse_nonsense(sandbox):
    url = sandbox.alipay_url
    assert requests.post(f"{url}/sandbox/tamper-next", json={"mode": "gentle"}, timeout=5).status_code == 400
    assert requests.post(f"{url}/sandbox/certify/nope", json={"outcome": "pass"}, timeout=5).status_code == 404
    assert requests.post(f"{url}/sandbox/fail-next", json={}, timeout=5).status_code == 400
    assert "认证" in requests.get(f"{url}/sandbox/certify-done", timeout=5).text


def test_the_call_log_masks_the_signature(sandbox):
    call(
        sandbox,
        request_params("alipay.system.oauth.token", sandbox=sandbox, grant_type="authorization_code", code="ann:log"),
    )
    latest = sandbox.alipay_calls(limit=1)[0]
    assert latest["api"] == "alipay.system.oauth.token" and latest["app_id"] == ALIPAY_APP_ID
    assert "*" in latest["query"]["sign"]
