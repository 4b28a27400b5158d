"""Start-up key checks: the mistakes people make with payment keys stop the start with a message
that names the setting and the fix."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from payments import providers as gateways
from payments.providers.keys import KeyProblem


@pytest.fixture
def settings(sandbox):
    return dict(sandbox.settings)


def _pkcs1(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def test_sandbox_settings_build_both_gateways(settings):
    built = gateways.build(settings)
    assert set(built) == {"wechat", "alipay"}


def test_a_pkcs1_merchant_key_is_converted_for_wechatpayv3(settings, sandbox):
    settings["WECHATPAY_PRIVATE_KEY"] = _pkcs1(sandbox.wechatpay_keys.merchant)
    assert "BEGIN RSA PRIVATE KEY" in settings["WECHATPAY_PRIVATE_KEY"]
    assert gateways.build(settings)["wechat"].mchid == settings["WECHATPAY_MCHID"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"WECHATPAY_APIV3_KEY": "short-key"}, "WECHATPAY_APIV3_KEY is 9 bytes"),
        ({"WECHATPAY_PRIVATE_KEY": "CERT"}, "holds a certificate"),
        ({"WECHATPAY_PRIVATE_KEY": "PUBLIC"}, "holds a public key"),
        ({"WECHATPAY_PUBLIC_KEY": "OURS"}, "public half of our own merchant key"),
        ({"WECHATPAY_PUBLIC_KEY_ID": "0119000001092026"}, "must start with PUB_KEY_ID_"),
        ({"WECHATPAY_PUBLIC_KEY_ID": ""}, "go together"),
        ({"WECHATPAY_PUBLIC_KEY": "", "WECHATPAY_PUBLIC_KEY_ID": "", "WECHATPAY_PLATFORM_CERTS": ""}, "needs"),
        ({"WECHATPAY_PRIVATE_KEY": "/nonexistent/apiclient_key.pem"}, "no such key file"),
        ({"ALIPAY_PUBLIC_KEY": "APP_PUBLIC"}, "ALIPAY_PUBLIC_KEY is the public half of your own app key"),
    ],
    ids=["apiv3-length", "cert-as-key", "public-as-private", "own-key", "pub-key-id", "half", "none", "path", "alipay"],
)
def test_key_mistakes_are_named(settings, sandbox, change, message):
    keys = sandbox.wechatpay_keys
    values = {
        "CERT": keys.platform_cert_pem,
        "PUBLIC": keys.wechatpay_public_pem,
        "OURS": keys.merchant.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        "APP_PUBLIC": sandbox.keys.app.public_pem,
    }
    settings.update({k: values.get(v, v) for k, v in change.items()})
    with pytest.raises(KeyProblem, match=message) as info:
        gateways.build(settings)
    assert str(info.value)


def test_the_app_refuses_to_start_with_a_bad_key(app, sandbox):
    from app import create_app

    with pytest.raises(RuntimeError, match="payments: WECHATPAY_APIV3_KEY is 3 bytes"):
        create_app("testing", **{**sandbox.settings, "WECHATPAY_APIV3_KEY": "abc"})


def test_platform_certificates_alone_are_enough(settings, sandbox, tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / f"{sandbox.wechatpay_keys.platform_serial}.pem").write_text(sandbox.wechatpay_keys.platform_cert_pem)
    settings.update(WECHATPAY_PUBLIC_KEY="", WECHATPAY_PUBLIC_KEY_ID="", WECHATPAY_PLATFORM_CERTS=str(certs))
    gateway = gateways.build(settings)["wechat"]
    headers, body = sandbox.wechatpay.notification(
        "TRANSACTION.SUCCESS", {"out_trade_no": "X" * 8, "trade_state": "SUCCESS"}, mode="platform_cert"
    )
    assert gateway.verify(headers, body.encode()).trade.state == "paid"


def test_a_bad_shared_alipay_key_disables_alipay_payments_with_a_message(app, sandbox, caplog):
    from app import create_app
    from payments.errors import ChannelUnavailable

    bad = {**sandbox.settings, "ALIPAY_PUBLIC_KEY": sandbox.keys.app.public_pem}
    with caplog.at_level("ERROR", logger="payments.providers"):
        configured = create_app("testing", **bad)  # identity reports the same key when it is used
    assert "Alipay payments disabled: ALIPAY_PUBLIC_KEY is the public half of your own app key" in caplog.text
    with configured.app_context():
        assert gateways.gateway("alipay") is None and gateways.gateway("wechat") is not None
        from payments.service import _gateway

        with pytest.raises(ChannelUnavailable):
            _gateway("alipay")
