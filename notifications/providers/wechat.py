"""WeChat subscribe messages (`cgi-bin/message/subscribe/send`) through wechatpy.

The client is app.clients.wechat's SharedTokenClient with the shared Redis key prefix, so the access
token is the one identity uses — one token per appid for every process, no 40001 fights. A refused token
(40001, 42001, 40014) is refreshed once and the send retried once. One client per process: its
requests.Session keeps the connections to the API pooled.
"""

from __future__ import annotations

import logging
import time

import redis
import requests
from wechatpy.exceptions import WeChatClientException

from app.clients.wechat import TOKEN_PREFIX, SharedTokenClient
from notifications.providers.base import (
    ChannelNotConfigured,
    ConsentRefused,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
    SendError,
)

log = logging.getLogger(__name__)

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45011})  # busy, daily quota, rate limited
CONSENT_ERRCODES = frozenset({43101})
# 40003 bad openid, 40037 bad template id, 47003 bad data, 41030 bad page, 47001 bad JSON
PERMANENT_ERRCODES = frozenset({40003, 40037, 47003, 41030, 47001})


class _CachedTokenClient(SharedTokenClient):
    """The shared-token client, remembering the token it read from Redis for a minute.

    Safe because WeChat keeps a replaced token valid for five minutes, and a refused one (40001,
    42001) is dropped and refreshed at once; it saves one Redis round trip per send."""

    CACHE_SECONDS = 60.0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._cached: str | None = None
        self._cached_at = 0.0

    @property
    def access_token(self):
        now = time.monotonic()
        if self._cached and now - self._cached_at < self.CACHE_SECONDS:
            return self._cached
        token = SharedTokenClient.access_token.fget(self)
        self._cached, self._cached_at = token, now
        return token

    def drop_cached(self) -> str | None:
        token, self._cached = self._cached, None
        return token


class WeChatSubscribeChannel:
    name = "wechat"

    def __init__(self, *, appid: str, secret: str, api_base: str, redis_client: redis.Redis, timeout: float = 5.0):
        if not (appid and secret):
            raise ChannelNotConfigured("WECHAT_APPID / WECHAT_SECRET are empty")
        self.appid = appid
        self._client = _CachedTokenClient(
            appid=appid,
            secret=secret,
            api_base=api_base,
            redis_client=redis_client,
            prefix=TOKEN_PREFIX,
            timeout=timeout,
        )
        _settle_environment(self._client._http)

    def send(self, message: Outgoing) -> str:
        """Send one subscribe message; the msgid WeChat returns."""
        try:
            return self._send_once(message)
        except WeChatClientException as exc:
            if _errcode(exc) not in TOKEN_ERRCODES:
                raise _translate(exc) from exc
            stale = self._client.drop_cached()  # the token WeChat just refused
            try:
                self._client.fetch_access_token(stale=stale)
                return self._send_once(message)
            except WeChatClientException as again:
                raise _translate(again) from again
            except (requests.RequestException, redis.exceptions.LockError) as again:
                raise RetryableSendError(f"token refresh: {type(again).__name__}") from again

    def _send_once(self, message: Outgoing) -> str:
        try:
            result = self._client.wxa.send_subscribe_message(
                message.recipient, message.template_id, message.data, page=message.page or None
            )
        except (requests.RequestException, redis.exceptions.LockError) as exc:
            raise RetryableSendError(f"wechat unreachable: {type(exc).__name__}", code="NETWORK") from exc
        except ValueError as exc:  # a 200 whose body is not JSON
            raise RetryableSendError("wechat answered without JSON", code="BAD_ANSWER") from exc
        if not isinstance(result, dict):
            raise RetryableSendError("wechat answered without a JSON object", code="BAD_ANSWER")
        return str(result.get("msgid", ""))


def _settle_environment(http) -> None:
    """requests re-reads proxies and the CA bundle from the environment on every call (two scans of
    the environment). Without proxy variables (no_proxy rules would need the per-request lookup)
    the CA bundle requests would pick (REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE) is fixed once here and
    the per-call lookup switched off."""
    import urllib.request

    if urllib.request.getproxies():
        return
    bundle = http.merge_environment_settings("https://api.weixin.qq.com/", {}, None, None, None)["verify"]
    if isinstance(bundle, str):
        http.verify = bundle
    http.trust_env = False


def _errcode(exc: WeChatClientException) -> int | None:
    try:
        return int(exc.errcode) if exc.errcode is not None else None
    except (TypeError, ValueError):
        return None


def _translate(exc: WeChatClientException) -> SendError:
    errcode = _errcode(exc)
    if errcode is None:  # wechatpy's wrapper of an HTTP error status
        status = getattr(exc.response, "status_code", None)
        if status is None or status >= 500 or status == 429:
            return RetryableSendError(f"wechat HTTP {status}", code=f"HTTP_{status}")
        return PermanentSendError(f"wechat HTTP {status}", code=f"HTTP_{status}")
    detail = f"errcode {errcode} {exc.errmsg or ''}".strip()[:250]
    if errcode in CONSENT_ERRCODES:
        return ConsentRefused(detail, code=str(errcode))
    if errcode in RETRYABLE_ERRCODES or errcode in TOKEN_ERRCODES:
        return RetryableSendError(detail, code=str(errcode))
    return PermanentSendError(detail, code=str(errcode))
