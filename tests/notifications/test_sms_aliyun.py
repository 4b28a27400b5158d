"""Notification SMS through the shared Aliyun client: the notifier turns its failures into
retryable or permanent send errors with the codes the send job records."""

from __future__ import annotations

import pytest

from notifications.providers import sms
from notifications.providers.base import Outgoing, PermanentSendError, RetryableSendError
from tests.clients.aliyun_fake import SECRET, FakeAliyun, serve

MESSAGE = Outgoing(recipient="13800138000", template_id="SMS_PROGRESS", data={"status": "已受理"})


@pytest.fixture
def fake_aliyun(monkeypatch):
    yield from serve(monkeypatch)


def _notifier(endpoint: str):
    return sms.build(
        {
            "NOTIFICATIONS_SMS_PROVIDER": "aliyun",
            "SMS_ALIYUN_ACCESS_KEY_ID": "LTAIfake",
            "SMS_ALIYUN_ACCESS_KEY_SECRET": SECRET,
            "SMS_ALIYUN_SIGN_NAME": "掌上办",
            "SMS_ALIYUN_ENDPOINT": endpoint,
        },
        redis_client=None,
    )


def test_sends_the_notification_template(fake_aliyun):
    assert _notifier(fake_aliyun).send(MESSAGE) == "900619746936498440^0"
    assert FakeAliyun.seen[-1]["TemplateCode"] == "SMS_PROGRESS"


@pytest.mark.parametrize(
    ("answer", "status", "raw", "error", "code"),
    [
        ({"Code": "Throttling"}, 200, None, RetryableSendError, "Throttling"),
        ({"Code": "isv.MOBILE_NUMBER_ILLEGAL"}, 200, None, PermanentSendError, "isv.MOBILE_NUMBER_ILLEGAL"),
        ({}, 502, b"not json", RetryableSendError, "BAD_ANSWER"),
    ],
)
def test_failures_are_retryable_or_permanent(fake_aliyun, answer, status, raw, error, code):
    FakeAliyun.answer, FakeAliyun.status, FakeAliyun.raw = answer, status, raw
    with pytest.raises(error) as caught:
        _notifier(fake_aliyun).send(MESSAGE)
    assert type(caught.value) is error and caught.value.code == code


def test_an_unreachable_provider_is_retryable():
    with pytest.raises(RetryableSendError) as caught:
        _notifier("http://127.0.0.1:9/").send(MESSAGE)
    assert caught.value.code == "NETWORK"
