"""wechatpy's Open Platform OAuth client pointed at a configurable API base (the real one or the
sandbox) with a timeout (wechatpy hard-codes the base and sets none). The shared access-token
client is app.clients.wechat.SharedTokenClient."""

from __future__ import annotations

from wechatpy.oauth import WeChatOAuth


class OpenPlatformOAuth(WeChatOAuth):
    """WeChatOAuth (Open Platform `sns/oauth2/access_token`) with a base URL and a timeout."""

    def __init__(self, *, appid: str, secret: str, api_base: str, timeout: float):
        super().__init__(appid, secret, redirect_uri="")
        self.API_BASE_URL = f"{api_base.rstrip('/')}/"
        self.timeout = timeout

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super()._request(method, url_or_endpoint, **kwargs)
