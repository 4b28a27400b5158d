"""The shared Aliyun SMS client: a signed SendSms with the caller's template and params, and
failures classified once (network / no JSON / refused, retryable or not)."""

from __future__ import annotations

import json

import pytest

from app.clients.errors import ProviderNotConfigured
from app.clients.sms import AliyunSmsClient, AliyunSmsError
from tests.clients.aliyun_fake import SECRET, FakeAliyun, serve

MOBILE = "13800138000"


@pytest.fixture
def fake_aliyun(monkeypatch):
    yield from serve(monkeypatch)


def _client(endpoint: str, secret: str = SECRET) -> AliyunSmsClient:
    return AliyunSmsClient(access_key_id="LTAIfake", access_key_secret=secret, sign_name="掌上办", endpoint=endpoint)


def test_sends_the_template_and_its_params_signed(fake_aliyun):
    assert _client(fake_aliyun).send(MOBILE, "SMS_1", {"case": "受理", "no": "A1"}) == "900619746936498440^0"
    sent = FakeAliyun.seen[-1]
    assert sent["TemplateCode"] == "SMS_1" and sent["PhoneNumbers"] == MOBILE and sent["SignName"] == "掌上办"
    assert json.loads(sent["TemplateParam"]) == {"case": "受理", "no": "A1"}


@pytest.mark.parametrize(
    ("answer", "status", "kind", "code", "retryable"),
    [
        ({"Code": "isv.BUSINESS_LIMIT_CONTROL"}, 200, "refused", "isv.BUSINESS_LIMIT_CONTROL", False),
        ({"Code": "Throttling.User"}, 200, "refused", "Throttling.User", True),
        ({"Code": "isv.UNKNOWN"}, 503, "refused", "isv.UNKNOWN", True),
    ],
)
def test_refusals_carry_the_code_and_whether_a_retry_may_help(fake_aliyun, answer, status, kind, code, retryable):
    FakeAliyun.answer, FakeAliyun.status = answer, status
    with pytest.raises(AliyunSmsError) as caught:
        _client(fake_aliyun).send(MOBILE, "SMS_1", {})
    error = caught.value
    assert (error.kind, error.provider_code, error.retryable, error.status) == (kind, code, retryable, status)


def test_a_bad_signature_is_a_final_refusal(fake_aliyun):
    with pytest.raises(AliyunSmsError) as caught:
        _client(fake_aliyun, secret="wrong").send(MOBILE, "SMS_1", {})
    assert caught.value.provider_code == "SignatureDoesNotMatch" and not caught.value.retryable


def test_no_json_and_no_answer_are_retryable(fake_aliyun):
    FakeAliyun.raw, FakeAliyun.status = b"<html>gateway</html>", 502
    with pytest.raises(AliyunSmsError) as caught:
        _client(fake_aliyun).send(MOBILE, "SMS_1", {})
    assert (caught.value.kind, caught.value.retryable, caught.value.status) == ("bad_answer", True, 502)
    with pytest.raises(AliyunSmsError) as caught:
        _client("http://127.0.0.1:9/").send(MOBILE, "SMS_1", {})
    assert (caught.value.kind, caught.value.retryable) == ("network", True)


def test_missing_settings_are_not_configured():
    with pytest.raises(ProviderNotConfigured, match="SMS_ALIYUN"):
        AliyunSmsClient(access_key_id="", access_key_secret="s", sign_name="掌上办")
