"""The configured channels of the current app, built once per app (and so once per worker
process: the pooled HTTP session and the signing keys are reused by every job)."""

from __future__ import annotations

import threading

from flask import current_app

from notifications.providers.base import ChannelNotConfigured

_EXTENSION = "notification_channels"
_lock = threading.Lock()


def get(name: str):
    """The channel object for "wechat", "alipay" or "sms"; ChannelNotConfigured when it is off."""
    app = current_app._get_current_object()
    cache = app.extensions.setdefault(_EXTENSION, {})
    channel = cache.get(name)
    if channel is None:
        with _lock:
            channel = cache.get(name)
            if channel is None:
                channel = _build(name, app.config)
                cache[name] = channel
    return channel


def _build(name: str, config):
    from app.extensions import redis_ext

    if name == "wechat":
        from notifications.providers.wechat import WeChatSubscribeChannel

        return WeChatSubscribeChannel(
            appid=config.get("WECHAT_APPID", ""),
            secret=config.get("WECHAT_SECRET", ""),
            api_base=config.get("WECHAT_API_BASE") or "https://api.weixin.qq.com",
            redis_client=redis_ext.client,
            timeout=float(config.get("WECHAT_TIMEOUT", 5.0)),
        )
    if name == "alipay":
        from notifications.providers.alipay import AlipayMessageChannel

        return AlipayMessageChannel(
            app_id=config.get("ALIPAY_APP_ID", ""),
            app_private_key=config.get("ALIPAY_APP_PRIVATE_KEY", ""),
            alipay_public_key=config.get("ALIPAY_PUBLIC_KEY", ""),
            server_url=config.get("ALIPAY_SERVER_URL") or "https://openapi.alipay.com/gateway.do",
            timeout=int(config.get("ALIPAY_TIMEOUT", 10)),
        )
    if name == "sms":
        from notifications.providers import sms

        return sms.build(config, redis_ext.client)
    raise ChannelNotConfigured(f"unknown channel {name!r}")
