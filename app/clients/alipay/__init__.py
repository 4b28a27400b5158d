"""Alipay through the official alipay-sdk-python: `build_client` is the one place a
DefaultAlipayClient is built from our settings (keys read and checked by `keys`, the SDK's
port, error and clock bugs fixed by `sdk_shim`). Callers catch `HttpStatusError` and the SDK's
Request/ResponseException around `client.execute` and map the answers to their own results."""

from app.clients.alipay.client import build_client
from app.clients.alipay.sdk_shim import HttpStatusError

__all__ = ["HttpStatusError", "build_client"]
