"""The configured provider gateways of the current app, built once per app and cached in
`app.extensions["identity_gateways"]`.

    from app.identity.providers.factory import wechat_gateway, alipay_gateway
    login = wechat_gateway().code_to_session(code)

Missing credentials raise ProviderNotConfigured (the channel is off); unusable keys raise it too,
with a message naming the setting and the fix. The SDK packages are imported on first use only.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from app.identity.providers.base import ProviderNotConfigured

log = logging.getLogger(__name__)

_EXTENSION = "identity_gateways"
_lock = threading.Lock()


def _cached(name: str, build):
    app: Flask = current_app._get_current_object()
    cache = app.extensions.setdefault(_EXTENSION, {})
    gateway = cache.get(name)
    if gateway is None:
        with _lock:
            gateway = cache.get(name)
            if gateway is None:
                try:
                    gateway = build(app.config)
                except ProviderNotConfigured as exc:
                    log.warning("%s channel unavailable: %s", name, exc.detail)
                    raise
                cache[name] = gateway
    return gateway


def wechat_gateway():
    """The WeChatGateway (mini-program and, when configured, Open Platform app login)."""

    def build(config):
        from app.extensions import redis_ext
        from app.identity.providers.wechat import WeChatGateway

        mini = bool(config.get("WECHAT_APPID") and config.get("WECHAT_SECRET"))
        open_platform = bool(config.get("WECHAT_OPEN_APPID") and config.get("WECHAT_OPEN_SECRET"))
        if not (mini or open_platform):
            raise ProviderNotConfigured("WECHAT_APPID/WECHAT_SECRET (and WECHAT_OPEN_APPID/SECRET) are empty")
        return WeChatGateway(
            appid=config.get("WECHAT_APPID", ""),
            secret=config.get("WECHAT_SECRET", ""),
            open_appid=config.get("WECHAT_OPEN_APPID", ""),
            open_secret=config.get("WECHAT_OPEN_SECRET", ""),
            api_base=config.get("WECHAT_API_BASE") or "https://api.weixin.qq.com",
            redis_client=redis_ext.client,
            timeout=float(config.get("WECHAT_TIMEOUT", 5.0)),
        )

    return _cached("wechat", build)


def alipay_gateway():
    """The AlipayGateway (login and real-person certification)."""

    def build(config):
        from app.identity.providers.alipay import AlipayGateway

        missing = [k for k in ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY") if not config.get(k)]
        if missing:
            raise ProviderNotConfigured(f"{', '.join(missing)} empty")
        return AlipayGateway(
            app_id=config["ALIPAY_APP_ID"],
            app_private_key=config["ALIPAY_APP_PRIVATE_KEY"],
            alipay_public_key=config["ALIPAY_PUBLIC_KEY"],
            server_url=config.get("ALIPAY_SERVER_URL") or "https://openapi.alipay.com/gateway.do",
            timeout=int(config.get("ALIPAY_TIMEOUT", 10)),
            certify_return_url=config.get("ALIPAY_CERTIFY_RETURN_URL", ""),
        )

    return _cached("alipay", build)
