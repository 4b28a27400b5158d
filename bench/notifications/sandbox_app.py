"""The WeChat simulator as a WSGI app for gunicorn (gthread, one process): unlike werkzeug's
development server, which closes every connection, it keeps them alive as the real API does, so
the benchmark measures pooled sends."""

from sandbox.server import WECHAT_APPID, WECHAT_SECRET
from sandbox.wechat import create_wechat_sandbox
from sandbox.wechat_state import MINIPROGRAM, WeChatState

app = create_wechat_sandbox(WeChatState(apps={WECHAT_APPID: (WECHAT_SECRET, MINIPROGRAM)}))
