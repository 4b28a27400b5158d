"""Alipay channel: mini-program login (alipay.system.oauth.token) and real-person certification
(alipay.user.certify.open.*). Built on the official alipay-sdk-python; nothing from it leaves
this package."""

from app.identity.providers.alipay.gateway import AlipayGateway

__all__ = ["AlipayGateway"]
