"""The one place an alipay-sdk-python client is built from our settings (identity, payments and
notifications each talk to Alipay through one). Unusable keys raise
app.clients.errors.ProviderNotConfigured naming the setting."""

from __future__ import annotations

from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient

from app.clients.alipay import keys, sdk_shim


def build_client(
    *,
    app_id: str,
    app_private_key: str,
    alipay_public_key: str,
    server_url: str,
    timeout: int,
    check_pair: bool = True,
) -> tuple[DefaultAlipayClient, str]:
    """An SDK client signing with RSA2, and Alipay's public key as PEM. Keys may come in any form
    keys.py accepts; a key in the wrong place raises ProviderNotConfigured saying so. No SDK
    logger on purpose: it would log every request and response in full, biz_content included
    (names and ID numbers)."""
    sdk_shim.install()
    private_pem = keys.app_private_key_pkcs1(app_private_key)
    public_pem = keys.alipay_public_key_pem(alipay_public_key)
    if check_pair:
        keys.check_pair(private_pem, public_pem)
    config = AlipayClientConfig()
    config.server_url = server_url
    config.app_id = app_id
    config.app_private_key = private_pem
    config.alipay_public_key = public_pem
    config.sign_type = "RSA2"
    config.timeout = timeout
    return DefaultAlipayClient(config), public_pem
