"""One base for every provider failure: each package's errors derive from ProviderError, keep
their retryable flag, and any of them that reaches a view leaves in the one envelope with a
stable code and a Chinese message, never the provider's detail."""

from __future__ import annotations

import pytest

from app import create_app
from app.clients.errors import ProviderError, ProviderNotConfigured
from app.clients.sms import AliyunSmsError
from app.identity.providers.base import GatewayError as IdentityGatewayError
from app.identity.providers.base import InvalidCode, ProviderBusy
from app.identity.sms import SmsError
from delivery.providers.base import CourierError, CourierRejected, CourierUnavailable
from notifications.providers.base import ConsentRefused, RetryableSendError, SendError
from payments.providers.base import GatewayError as PaymentGatewayError
from payments.providers.base import OrderPaidAtProvider, ProviderUnavailable


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (ProviderBusy("busy"), True),
        (InvalidCode("bad code"), False),
        (ProviderNotConfigured("WECHAT_APPID empty"), False),
        (ProviderUnavailable("HTTP 503"), True),
        (OrderPaidAtProvider("paid"), False),
        (RetryableSendError("busy", code="-1"), True),
        (ConsentRefused("43101"), False),
        (CourierUnavailable("timeout"), True),
        (CourierRejected("bad address", code="8016"), False),
        (SmsError("refused", retryable=True), True),
        (AliyunSmsError("refused", kind="refused"), False),
    ],
)
def test_every_provider_error_is_a_provider_error_with_its_retryable_flag(error, retryable):
    assert isinstance(error, ProviderError)
    assert error.retryable is retryable


def test_the_package_bases_derive_from_the_one_base():
    for base in (IdentityGatewayError, PaymentGatewayError, SendError, CourierError, SmsError, AliyunSmsError):
        assert issubclass(base, ProviderError), base


def test_package_errors_keep_their_own_codes():
    assert SendError("x", code="47003").code == "47003" and str(SendError()) == "SEND_FAILED"
    assert CourierRejected("refused", code="8016").code == "8016"
    assert PaymentGatewayError("trade.create: 40004", provider_code="ACQ.X").provider_code == "ACQ.X"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (CourierUnavailable("sf timeout for 13800138000", code="A1000"), 502, "PROVIDER_ERROR"),
        (RetryableSendError("openid oABC 13800138000 busy", code="-1"), 502, "PROVIDER_ERROR"),
        (ProviderUnavailable("trade.create: 13800138000"), 502, "PROVIDER_ERROR"),
        (ProviderBusy("errcode -1 13800138000"), 503, "PROVIDER_BUSY"),
        (ProviderNotConfigured("ALIPAY_APP_ID 13800138000 empty"), 503, "CHANNEL_NOT_CONFIGURED"),
    ],
)
def test_a_provider_error_reaching_a_view_is_the_envelope_without_detail(error, status, code):
    app = create_app("testing")

    @app.get("/provider-failure")
    def provider_failure():
        raise error

    resp = app.test_client().get("/provider-failure")
    assert resp.status_code == status
    body = resp.get_json()
    assert body["error"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    assert "13800138000" not in resp.get_data(as_text=True)
