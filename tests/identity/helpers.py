"""Keyword-only helpers for identity tests: log in, authorise, call the API."""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.sms import SandboxSmsProvider

SEED = json.loads((Path(__file__).resolve().parents[2] / "app/identity/seed/residents.json").read_text("utf-8"))
RESIDENTS = {r["name"]: r["id_number"] for r in SEED["residents"]}

LIN = ("林晓岚", RESIDENTS["林晓岚"])
CHEN = ("陈云栖", RESIDENTS["陈云栖"])
MA = ("马文涛", RESIDENTS["马文涛"])  # check digit X


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sms_code(app, *, mobile: str) -> str:
    with app.app_context():
        return SandboxSmsProvider.last_code(mobile)


def sms_login(api, app, *, mobile: str = "13800138000", ip: str | None = None) -> dict:
    """Log in through the app's SMS channel; returns the token body."""
    env = {"REMOTE_ADDR": ip} if ip else {}
    resp = api.post("/api/v1/auth/sms/send", json={"mobile": mobile}, environ_base=env)
    assert resp.status_code == 200, resp.get_json()
    code = sms_code(app, mobile=mobile)
    resp = api.post("/api/v1/auth/sms", json={"mobile": mobile, "code": code}, environ_base=env)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def realname(api, token: str, *, person=LIN) -> dict:
    resp = api.post(
        "/api/v1/identity/realname", json={"name": person[0], "id_number": person[1]}, headers=bearer(token)
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def me(api, token: str) -> dict:
    resp = api.get("/api/v1/me", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def assert_error(resp, status: int, error: str) -> dict:
    body = resp.get_json()
    assert resp.status_code == status, body
    assert body["code"] == status and body["error"] == error, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


def fresh_code(user: str = "alice") -> str:
    """A never-used sandbox login code for `user` (WeChat wx.login / Alipay my.getAuthCode)."""
    import uuid

    return f"{user}:{uuid.uuid4().hex[:16]}"


def wechat_login(api, *, user: str = "alice") -> dict:
    resp = api.post("/api/v1/auth/wechat", json={"code": fresh_code(user)})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def wechat_app_login(api, *, user: str = "alice") -> dict:
    resp = api.post("/api/v1/auth/wechat-app", json={"code": fresh_code(user)})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def alipay_login(api, *, user: str = "alice") -> dict:
    resp = api.post("/api/v1/auth/alipay", json={"auth_code": fresh_code(user)})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def face_start(api, token: str, *, channel: str, person=None) -> dict:
    body = {"channel": channel}
    if person:
        body.update(name=person[0], id_number=person[1])
    resp = api.post("/api/v1/identity/face/start", json=body, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def face_pass(api, sandbox, token: str, *, channel: str, person=None, url="/api/v1/identity/face/complete") -> dict:
    """Start a face check, let the citizen pass it on the (simulated) phone, complete it."""
    started = face_start(api, token, channel=channel, person=person)
    if channel == "wechat":
        sandbox.face_outcome(started["verify_id"], "pass")
        body = {"verify_id": started["verify_id"]}
    else:
        sandbox.certify_outcome(started["certify_id"], "pass")
        body = {"certify_id": started["certify_id"]}
    resp = api.post(url, json=body, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()
