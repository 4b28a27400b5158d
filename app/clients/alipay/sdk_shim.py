"""Three small fixes to alipay-sdk-python 3.7.x, installed once per process (`install()`).

1. `WebUtils.get_http_connection` ignores the port of server_url (and would build the request
   URL with str + int, a TypeError): a gateway on any port but 80/443 — the sandbox on loopback,
   an egress proxy — is unreachable. Ours connects to the given port.
2. `do_post` reports a non-200 answer by concatenating str and bytes (a TypeError instead of the
   intended error) and lets socket errors of `getresponse()` escape unwrapped. Ours raises
   `HttpStatusError` (a ResponseException carrying the status) and RequestException.
3. `DefaultAlipayClient` stamps `timestamp` with the server's local time; the gateway expects
   Beijing time and rejects a stamp 15 minutes off. Ours uses Beijing time whatever TZ is set.

With the default server URL the requests sent are byte-for-byte those of the unpatched SDK.
Delete a fix when the SDK ships it.
"""

from __future__ import annotations

import datetime as _datetime
import http.client
import sys
import threading
import types
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from alipay.aop.api.constant.CommonConstants import THREAD_LOCAL
from alipay.aop.api.exception.Exception import RequestException, ResponseException

BEIJING = ZoneInfo("Asia/Shanghai")
_lock = threading.Lock()
_installed = False


class HttpStatusError(ResponseException):
    """The gateway answered with an HTTP status other than 200."""

    def __init__(self, status: int, body: bytes):
        super().__init__(f"invalid http status {status}")
        self.status = status
        self.body = body


def get_http_connection(url, query_string, timeout):
    parsed = urlparse(url)
    https = parsed.scheme == "https"
    port = parsed.port or (443 if https else 80)
    connection_class = http.client.HTTPSConnection if https else http.client.HTTPConnection
    connection = connection_class(host=parsed.hostname, port=port, timeout=timeout)
    netloc = parsed.hostname + (f":{parsed.port}" if parsed.port else "")
    return f"{parsed.scheme}://{netloc}{parsed.path}?{query_string}", connection


def do_post(url, query_string=None, headers=None, params=None, charset="utf-8", timeout=15):
    from alipay.aop.api.util.WebUtils import url_encode

    url, connection = get_http_connection(url, query_string, timeout)
    try:
        try:
            connection.connect()
        except Exception as exc:  # noqa: BLE001 - the SDK's own contract: wrap every connect failure
            raise RequestException(f"[{THREAD_LOCAL.uuid}]post connect failed. {exc}") from exc
        body = url_encode(params, charset) if params else None
        try:
            connection.request("POST", url, body=body, headers=headers)
            response = connection.getresponse()
            result = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise RequestException(f"[{THREAD_LOCAL.uuid}]post request failed. {exc}") from exc
        if response.status != 200:
            raise HttpStatusError(response.status, result)
        return result
    finally:
        connection.close()


class _BeijingDatetime(_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        if tz is not None:
            return _datetime.datetime.now(tz)
        return _datetime.datetime.now(BEIJING).replace(tzinfo=None)


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        import alipay.aop.api.DefaultAlipayClient  # noqa: F401 - loads the module patched below
        import alipay.aop.api.util.WebUtils as web_utils

        client_module = sys.modules["alipay.aop.api.DefaultAlipayClient"]
        web_utils.get_http_connection = get_http_connection
        web_utils.do_post = do_post
        client_module.do_post = do_post  # it did `from WebUtils import *`
        client_module.datetime = types.SimpleNamespace(datetime=_BeijingDatetime)
        _installed = True
