"""The README's "Enterprise journey", step by step over HTTP with the demo residents and the
WeChat / Alipay simulators, as the curl lines do. When this test needs a step the README does not
show, the README is wrong."""

from __future__ import annotations

import uuid

from .helpers import API, CHANGE_REGISTRATION, TEA


def _ok(resp, status: int = 200) -> dict:
    body = resp.get_json() if resp.status_code != 204 else {}
    assert resp.status_code == status, body
    return body


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_bind_grant_accept_act_revoke_leave(api, sandbox):
    lin, chen = f"alice:{uuid.uuid4().hex[:8]}", f"chen:{uuid.uuid4().hex[:8]}"
    t = _ok(api.post(f"{API}/auth/wechat", json={"code": lin}))["access_token"]
    # journey 1 did this for `alice`; here the database is fresh
    t = _ok(
        api.post(
            f"{API}/identity/realname", json={"name": "林晓岚", "id_number": "539921199003071204"}, headers=_auth(t)
        )
    )["access_token"]
    t = _ok(api.post(f"{API}/auth/wechat", json={"code": f"{lin.split(':')[0]}:{uuid.uuid4().hex[:8]}"}))[
        "access_token"
    ]  # the README's login: level 3
    v = _ok(api.post(f"{API}/identity/face/start", json={"channel": "wechat"}, headers=_auth(t)))["verify_id"]
    sandbox.face_outcome(v, "pass")
    t = _ok(api.post(f"{API}/identity/face/complete", json={"verify_id": v}, headers=_auth(t)))["access_token"]
    r = _auth(t)
    e = _ok(api.post(f"{API}/enterprises/bindings", json={"uscc": TEA}, headers=r))["id"]
    assert _ok(api.get(f"{API}/enterprises", headers=r))["items"][0]["role"] == "legal_representative"
    body = {
        "name": "陈云栖",
        "id_number": "539921198511120418",
        "scope": "items",
        "codes": [CHANGE_REGISTRATION],
        "valid_until": "2027-06-30",
    }
    g = _ok(api.post(f"{API}/enterprises/{e}/grants", json=body, headers=r), 201)["id"]
    a = _ok(api.post(f"{API}/auth/alipay", json={"auth_code": chen}))["access_token"]
    a = _ok(
        api.post(
            f"{API}/identity/realname", json={"name": "陈云栖", "id_number": "539921198511120418"}, headers=_auth(a)
        )
    )["access_token"]
    assert _ok(api.get(f"{API}/me/enterprise-grants", headers=_auth(a)))["items"][0]["status"] == "pending"
    assert _ok(api.post(f"{API}/me/enterprise-grants/{g}/accept", headers=_auth(a)))["status"] == "active"
    x = _ok(api.post(f"{API}/enterprises/acting", json={"enterprise_id": e}, headers=_auth(a)))["access_token"]
    assert _ok(api.get(f"{API}/me", headers=_auth(x)))["level"] == 3
    assert _ok(api.get(f"{API}/enterprises/{e}/audit", headers=r))["items"][0]["action"] == "acting_started"
    _ok(api.delete(f"{API}/enterprises/{e}/grants/{g}", headers=r), 204)
    assert api.get(f"{API}/me", headers=_auth(x)).get_json()["error"] == "SESSION_REVOKED"
    rx = _ok(api.post(f"{API}/enterprises/acting", json={"enterprise_id": e}, headers=r))["access_token"]
    _ok(api.delete(f"{API}/enterprises/acting", headers=_auth(rx)), 204)
