"""Mobile app login by phone and SMS code: hashed codes, expiry, attempts, send limits, and the
Aliyun provider's request signature."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import ChannelIdentity, SmsCode, utcnow
from app.identity.sms import AliyunSmsProvider, SmsError

from .helpers import assert_error, bearer, me, sms_code, sms_login

MOBILE = "13912345678"


def _send(api, mobile=MOBILE, ip=None):
    env = {"REMOTE_ADDR": ip} if ip else {}
    return api.post("/api/v1/auth/sms/send", json={"mobile": mobile}, environ_base=env)


def _login(api, code, mobile=MOBILE):
    return api.post("/api/v1/auth/sms", json={"mobile": mobile, "code": code})


def test_send_and_log_in_creates_a_level_2_account_with_the_phone_masked(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)  # this test logs in twice
    resp = _send(api)
    assert resp.status_code == 200
    assert resp.get_json() == {"expires_in": 300, "resend_after": 0}
    code = sms_code(identity_app, mobile=MOBILE)
    assert len(code) == 6 and code.isdigit()
    with identity_app.app_context():
        row = db.session.scalar(sa.select(SmsCode))
        assert row.code_hash != code and code not in row.code_hash and len(row.code_hash) == 64
    body = _login(api, code).get_json()
    assert body["level"] == 2 and body["token_type"] == "Bearer"
    info = me(api, body["access_token"])
    assert info["realname"] is None
    assert info["channels"] == [
        {
            "channel": "app",
            "kind": "phone",
            "appid": None,
            "mobile": "139****5678",
            "linked_at": info["channels"][0]["linked_at"],
            "last_login_at": info["channels"][0]["last_login_at"],
        }
    ]
    # the same phone again (another code) is the same account
    again = sms_login(api, identity_app, mobile=MOBILE)
    assert again["account_id"] == body["account_id"]


def test_a_code_logs_in_once(api, identity_app):
    _send(api)
    code = sms_code(identity_app, mobile=MOBILE)
    assert _login(api, code).status_code == 200
    assert_error(_login(api, code), 422, "SMS_CODE_INVALID")


def test_expired_code_is_refused(api, identity_app):
    _send(api)
    code = sms_code(identity_app, mobile=MOBILE)
    with identity_app.app_context():
        db.session.execute(sa.update(SmsCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert_error(_login(api, code), 422, "SMS_CODE_EXPIRED")


def test_wrong_codes_are_limited_then_even_the_right_one_fails(api, identity_app):
    _send(api)
    code = sms_code(identity_app, mobile=MOBILE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        body = assert_error(_login(api, wrong), 422, "SMS_CODE_INVALID")
        assert body["details"]["remaining_attempts"] == left
    assert_error(_login(api, wrong), 422, "SMS_CODE_LOCKED")
    assert_error(_login(api, code), 422, "SMS_CODE_LOCKED")
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ChannelIdentity)) == 0


def test_only_the_newest_code_counts(api, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0.05)
    _send(api)
    first = sms_code(identity_app, mobile=MOBILE)
    import time

    time.sleep(0.1)
    assert _send(api).status_code == 200
    second = sms_code(identity_app, mobile=MOBILE)
    if first != second:
        assert_error(_login(api, first), 422, "SMS_CODE_INVALID")
    assert _login(api, second).status_code == 200


def test_resend_interval_and_per_phone_and_per_ip_limits(api, identity_app, monkeypatch):
    assert _send(api).status_code == 200
    resp = _send(api)
    assert_error(resp, 429, "SMS_RESEND_TOO_SOON")
    assert 50 <= int(resp.headers["Retry-After"]) <= 60  # SMS_SEND_INTERVAL

    monkeypatch.setitem(identity_app.config, "SMS_SEND_INTERVAL", 0)
    monkeypatch.setitem(identity_app.config, "SMS_SEND_LIMIT_PER_PHONE", (3, 3600))
    monkeypatch.setitem(identity_app.config, "SMS_SEND_LIMIT_PER_IP", (5, 3600))
    other = "13700000001"
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert _send(api, other, ip).status_code == 200
    assert_error(_send(api, other, "10.0.0.4"), 429, "SMS_SEND_LIMITED")  # 4th to one phone in the hour

    for n in range(5):  # one address asking for many phones
        assert _send(api, f"1360000010{n}", "10.9.9.9").status_code == 200
    assert_error(_send(api, "13600000199", "10.9.9.9"), 429, "SMS_SEND_LIMITED")


def test_bad_input_changes_nothing(api, identity_app):
    body = assert_error(_send(api, "12345"), 422, "INVALID_MOBILE")
    assert "mobile" in body["errors"]
    assert_error(api.post("/api/v1/auth/sms", json={"mobile": MOBILE, "code": "12ab"}), 422, "VALIDATION_ERROR")
    assert_error(api.post("/api/v1/auth/sms/send", json={"mobile": MOBILE, "extra": 1}), 422, "VALIDATION_ERROR")
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsCode)) == 0


def test_no_code_sent_is_invalid(api):
    assert_error(_login(api, "123456"), 422, "SMS_CODE_INVALID")


def test_logout_then_the_token_is_refused(api, identity_app):
    tokens = sms_login(api, identity_app, mobile=MOBILE)
    assert api.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    assert_error(api.get("/api/v1/me", headers=bearer(tokens["access_token"])), 401, "SESSION_REVOKED")
    assert_error(
        api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401, "REFRESH_TOKEN_INVALID"
    )


# ---------------------------------------------------------------- Aliyun SMS provider


def test_aliyun_signature_matches_the_documented_example():
    # The worked example of Aliyun's "signature mechanism" page for SendSms.
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert AliyunSmsProvider.sign("testSecret", params) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


class _FakeAliyun(BaseHTTPRequestHandler):
    """Verifies the signature like Aliyun does and answers in its JSON format."""

    secret = "fake-secret"
    answer = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        signature = query.pop("Signature", None)
        ok = signature == AliyunSmsProvider.sign(self.secret, query)
        type(self).seen.append(query)
        body = self.answer if ok else {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        raw = json.dumps(body).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_aliyun():
    server = HTTPServer(("127.0.0.1", 0), _FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeAliyun.seen = []
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def _provider(endpoint, secret="fake-secret"):
    return AliyunSmsProvider(
        access_key_id="LTAIfake",
        access_key_secret=secret,
        sign_name="掌上办",
        template_code="SMS_000001",
        endpoint=endpoint,
    )


def test_aliyun_provider_sends_a_signed_request(fake_aliyun):
    assert _provider(fake_aliyun).send_code("13800138000", "123456", ttl_seconds=300) == "900619746936498440^0"
    sent = _FakeAliyun.seen[-1]
    assert sent["Action"] == "SendSms" and sent["PhoneNumbers"] == "13800138000"
    assert json.loads(sent["TemplateParam"]) == {"code": "123456"} and sent["SignName"] == "掌上办"


def test_aliyun_provider_errors(fake_aliyun, monkeypatch):
    with pytest.raises(SmsError) as info:
        _provider(fake_aliyun, secret="wrong").send_code("13800138000", "123456", ttl_seconds=300)
    assert info.value.provider_code == "SignatureDoesNotMatch"
    monkeypatch.setattr(_FakeAliyun, "answer", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
    with pytest.raises(SmsError) as info:
        _provider(fake_aliyun).send_code("13800138000", "123456", ttl_seconds=300)
    assert info.value.throttled and not info.value.retryable
    with pytest.raises(SmsError) as info:
        _provider("http://127.0.0.1:9/").send_code("13800138000", "123456", ttl_seconds=300)
    assert info.value.retryable
    with pytest.raises(SmsError, match="not configured"):
        AliyunSmsProvider(access_key_id="", access_key_secret="", sign_name="", template_code="")


def test_sms_through_aliyun_provider_end_to_end(api, identity_app, fake_aliyun, monkeypatch):
    for key, value in {
        "SMS_PROVIDER": "aliyun",
        "SMS_ALIYUN_ACCESS_KEY_ID": "LTAIfake",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": "fake-secret",
        "SMS_ALIYUN_SIGN_NAME": "掌上办",
        "SMS_ALIYUN_TEMPLATE_CODE": "SMS_000001",
        "SMS_ALIYUN_ENDPOINT": fake_aliyun,
    }.items():
        monkeypatch.setitem(identity_app.config, key, value)
    assert _send(api).status_code == 200
    code = json.loads(_FakeAliyun.seen[-1]["TemplateParam"])["code"]
    assert _login(api, code).status_code == 200
    monkeypatch.setitem(identity_app.config, "SMS_ALIYUN_ACCESS_KEY_SECRET", "wrong")
    assert_error(_send(api, "13500000000"), 503, "SMS_SEND_FAILED")
    # the code that could not be delivered cannot be used
    with identity_app.app_context():
        assert db.session.scalar(sa.select(SmsCode).order_by(SmsCode.id.desc())).used_at is not None
