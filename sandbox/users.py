"""Sandbox login codes and the stable identities they stand for.

A login code is `<user>:<anything>`: `alice:1`, `alice:2` and `alice:7f3a` all log in the same
citizen "alice". Identities are derived from the user name by hashing, so they are the same in
every sandbox run and on every machine (a front-end developer keeps her account across restarts):

- WeChat openid: per appid ("o" + 27 characters) — the mini-program and the mobile app see
  different openids for the same person, as on the real platform;
- WeChat unionid: per user, the same for every appid — that is what links the app and the
  mini-program. Users whose name starts with `nounion` have none (an app not bound to an Open
  Platform account);
- Alipay user_id: "2088" + 12 digits, per user; Alipay open_id: per app_id.

Codes starting with `err<errcode>:` (WeChat) or `err:` / `errbusy:` (Alipay) script an error
answer; see the simulators.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

USER_CODE = re.compile(r"^(?P<user>[A-Za-z0-9._-]{1,64}):(?P<nonce>[^\s]{1,128})$")
WECHAT_ERROR_CODE = re.compile(r"^err(?P<errcode>-?\d{1,7}):[^\s]{1,128}$")


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("|".join(parts).encode("utf-8")).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def user_of(code: str) -> str | None:
    """The user a `<user>:<anything>` code logs in, or None when the code has another shape."""
    match = USER_CODE.match(code or "")
    return match.group("user") if match else None


def new_code(user: str) -> str:
    """A fresh, never-used login code for `user` (what `wx.login` / `my.getAuthCode` would give)."""
    if not USER_CODE.match(f"{user}:x"):
        raise ValueError("user names are 1-64 of [A-Za-z0-9._-]")
    return f"{user}:{secrets.token_hex(8)}"


def wechat_openid(appid: str, user: str) -> str:
    return "o" + _b64(_digest("wechat-openid", appid, user))[:27]


def wechat_unionid(user: str) -> str | None:
    if user.startswith("nounion"):
        return None
    return "o" + _b64(_digest("wechat-unionid", user))[:27]


def alipay_user_id(user: str) -> str:
    return "2088" + str(int.from_bytes(_digest("alipay-user-id", user)[:8], "big") % 10**12).zfill(12)


def alipay_open_id(app_id: str, user: str) -> str:
    return "0" + _digest("alipay-open-id", app_id, user).hex()[:46]
