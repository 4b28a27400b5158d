"""The WeChat access-token client shared by identity and notifications: a wechatpy WeChatClient
pointed at a configurable API base (the real one or the sandbox), its token kept in Redis.

wechatpy hard-codes `https://api.weixin.qq.com` in `fetch_access_token` and in class attributes,
retries token errors without bound (`auto_retry`) and sets no timeout on the token call. This
subclass fixes all of that. Callers use the same Redis key prefix so one token per appid serves
every process (TOKEN_PREFIX).
"""

from __future__ import annotations

import redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

# Every process renews the shared token this long before WeChat would expire it, so no process
# keeps using a token another one is about to replace.
REFRESH_MARGIN = 300
LOCK_TTL = 30  # seconds a token fetch may hold the lock
LOCK_WAIT = 15  # seconds a process waits for another one's fetch
# The Redis key prefix every user of an appid shares, so one token serves them all.
TOKEN_PREFIX = "zsb:wechat"  # noqa: S105 - a key prefix, not a secret


class SharedTokenClient(WeChatClient):
    """A WeChatClient whose access token lives in Redis, shared by every process and host.

    Fetching is serialised by a Redis lock: the platform invalidates the previous token five
    minutes after a new one is issued, so processes fetching on their own would knock each other's
    tokens out (errcode 40001). Token errors are not retried here (auto_retry off): the gateway
    refreshes once and retries once.
    """

    def __init__(
        self, *, appid: str, secret: str, api_base: str, redis_client: redis.Redis, prefix: str, timeout: float
    ):
        super().__init__(
            appid,
            secret,
            session=RedisStorage(redis_client, prefix=f"{prefix}:token"),
            timeout=timeout,
            auto_retry=False,
        )
        self._redis = redis_client
        self._lock_name = f"{prefix}:token-lock:{appid}"
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{self.api_base}/"

    def fetch_access_token(self, stale: str | None = None) -> dict:
        """Make sure Redis holds a usable token. `stale` is a token the platform just rejected:
        if another process has already replaced it, that replacement is used, not fetched again."""
        with self._redis.lock(self._lock_name, timeout=LOCK_TTL, blocking_timeout=LOCK_WAIT):
            current = self.session.get(self.access_token_key)
            if current and current != stale:
                return {"access_token": current}
            response = self._http.get(
                f"{self.api_base}/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
                timeout=self.timeout,
            )
            if response.status_code != 200:
                raise WeChatClientException(None, None, client=self, request=response.request, response=response)
            result = response.json()
            if not isinstance(result, dict):
                raise ValueError("token answer is not a JSON object")
            errcode = int(result.get("errcode") or 0)
            if errcode:
                raise WeChatClientException(
                    errcode, result.get("errmsg"), client=self, request=response.request, response=response
                )
            token, expires_in = result.get("access_token"), int(result.get("expires_in") or 7200)
            if not isinstance(token, str) or not token:
                raise ValueError("token answer without access_token")
            self.session.set(self.access_token_key, token, max(expires_in - REFRESH_MARGIN, 60))
            # Redis' TTL decides when to renew, for every process alike (wechatpy's own
            # per-instance expires_at would make only this one renew early).
            self.expires_at = None
            return result

    def forget_token(self) -> None:
        self.session.delete(self.access_token_key)
