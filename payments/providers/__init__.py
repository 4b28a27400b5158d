"""The payment gateways of the running app, built once per process from its config and kept on
`app.extensions` (keys parsed once, ciphers reused by every callback)."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from payments.providers.base import GatewayError, NotificationRejected, ProviderUnavailable  # noqa: F401
from payments.providers.keys import KeyProblem

log = logging.getLogger(__name__)
CHANNELS = ("wechat", "alipay")
_KEY = "zsb_payments_gateways"


def wechat_configured(config) -> bool:
    return bool(config.get("WECHATPAY_MCHID"))


def alipay_configured(config) -> bool:
    return bool(config.get("ALIPAY_APP_ID") and config.get("ALIPAY_APP_PRIVATE_KEY"))


def build(config, *, strict_alipay: bool = True) -> dict:
    """channel -> gateway for every configured channel; KeyProblem names a bad setting."""
    gateways: dict = {}
    if wechat_configured(config):
        from payments.providers.wechat import WeChatPayGateway

        gateways["wechat"] = WeChatPayGateway(
            mchid=config["WECHATPAY_MCHID"],
            appid=config.get("WECHATPAY_APPID") or config.get("WECHAT_APPID", ""),
            private_key=config.get("WECHATPAY_PRIVATE_KEY", ""),
            cert_serial_no=config.get("WECHATPAY_CERT_SERIAL_NO", ""),
            apiv3_key=config.get("WECHATPAY_APIV3_KEY", ""),
            public_key=config.get("WECHATPAY_PUBLIC_KEY", ""),
            public_key_id=config.get("WECHATPAY_PUBLIC_KEY_ID", ""),
            platform_certs=config.get("WECHATPAY_PLATFORM_CERTS", ""),
            api_base=config.get("WECHATPAY_API_BASE") or "https://api.mch.weixin.qq.com",
            timeout=float(config.get("WECHATPAY_TIMEOUT", 10)),
            notify_window=int(config.get("PAYMENT_NOTIFY_WINDOW", 300)),
        )
    if alipay_configured(config):
        from payments.providers.alipay import AlipayPayGateway

        try:
            gateways["alipay"] = AlipayPayGateway(
                app_id=config["ALIPAY_APP_ID"],
                app_private_key=config["ALIPAY_APP_PRIVATE_KEY"],
                alipay_public_key=config.get("ALIPAY_PUBLIC_KEY", ""),
                server_url=config.get("ALIPAY_SERVER_URL") or "https://openapi.alipay.com/gateway.do",
                timeout=int(config.get("ALIPAY_TIMEOUT", 10)),
            )
        except KeyProblem as exc:
            if strict_alipay:
                raise
            # The ALIPAY_* keys are shared with identity, which reports them when they are used;
            # the app starts, Alipay payments answer PAYMENT_CHANNEL_UNAVAILABLE, and this says why.
            log.error("payments: Alipay payments disabled: %s", exc)
    return gateways


def check_at_startup(app: Flask) -> None:
    """Build the gateways now so a bad WeChat Pay key stops the start with a clear message (a bad
    shared ALIPAY_* key is logged at start-up and disables Alipay payments only)."""
    try:
        app.extensions[_KEY] = build(app.config, strict_alipay=False)
    except KeyProblem as exc:
        raise RuntimeError(f"payments: {exc}") from exc
    base = app.config.get("PAYMENTS_NOTIFY_BASE_URL") or ""
    if app.extensions[_KEY] and app.config.get("ENV_NAME") == "production" and not base.startswith("https://"):
        raise RuntimeError(
            "payments: PAYMENTS_NOTIFY_BASE_URL must be our public https:// base URL (providers call "
            "/payments/notify/<channel> under it)"
        )


def gateway(channel: str):
    """The configured gateway of `channel`, or None."""
    app = current_app._get_current_object()
    gateways = app.extensions.get(_KEY)
    if gateways is None:
        gateways = app.extensions[_KEY] = build(app.config, strict_alipay=False)
    return gateways.get(channel)


def reset(app: Flask) -> None:
    """Forget the built gateways (after a config change in tests)."""
    app.extensions.pop(_KEY, None)
