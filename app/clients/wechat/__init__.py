"""WeChat: the access-token client shared by every process and host through Redis (identity's
login and face calls, notifications' subscribe messages). wechatpy objects leave this package
only as that client, which the callers' provider modules keep to themselves."""

from app.clients.wechat.token import LOCK_TTL, LOCK_WAIT, REFRESH_MARGIN, TOKEN_PREFIX, SharedTokenClient

__all__ = ["LOCK_TTL", "LOCK_WAIT", "REFRESH_MARGIN", "TOKEN_PREFIX", "SharedTokenClient"]
