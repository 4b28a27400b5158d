"""WeChat channel: mini-program login, Open Platform app login, face verification (人脸核身).

Built on wechatpy; nothing from wechatpy leaves this package."""

from app.identity.providers.wechat.gateway import WeChatGateway, cert_hash

__all__ = ["WeChatGateway", "cert_hash"]
