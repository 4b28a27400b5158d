"""Keyword-only helpers for notifications tests: citizens on a channel with consent, running the
jobs, reading messages back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from notifications.models import Message
from sandbox import users
from sandbox.server import ALIPAY_APP_ID, WECHAT_APPID
from tests.cases.helpers import person
from tests.identity.helpers import alipay_login, bearer, me, realname, wechat_login
from tests.jobs import run_jobs  # noqa: F401 - the tests of this package import it from here

TEMPLATES = json.loads((Path(__file__).resolve().parents[2] / "notifications/templates.json").read_text("utf-8"))
WX = {name: entry["template_id"] for name, entry in TEMPLATES["wechat_templates"].items()}
ALI = {name: entry["template_id"] for name, entry in TEMPLATES["alipay_templates"].items()}
STAFF_BASE = "/staff/api/v1"


def wechat_citizen(api, *, name: str = "林晓岚", user: str | None = None) -> dict:
    """A level-3 WeChat citizen: {token, account_id, openid, user}."""
    user = user or f"n{uuid.uuid4().hex[:8]}"
    token = wechat_login(api, user=user)["access_token"]
    token = realname(api, token, person=person(name))["access_token"]
    return {
        "token": token,
        "account_id": me(api, token)["account_id"],
        "openid": users.wechat_openid(WECHAT_APPID, user),
        "user": user,
    }


def alipay_citizen(api, *, name: str = "林晓岚", user: str | None = None) -> dict:
    """A level-3 Alipay citizen: {token, account_id, user_id, open_id, user}."""
    user = user or f"a{uuid.uuid4().hex[:8]}"
    token = alipay_login(api, user=user)["access_token"]
    token = realname(api, token, person=person(name))["access_token"]
    return {
        "token": token,
        "account_id": me(api, token)["account_id"],
        "user_id": users.alipay_user_id(user),
        "open_id": users.alipay_open_id(ALIPAY_APP_ID, user),
        "user": user,
    }


def subscribe(api, token: str, *, channel: str = "wechat", kind: str = "long_term", templates=None, decision="accept"):
    ids = templates or list((WX if channel == "wechat" else ALI).values())
    resp = api.post(
        "/api/v1/subscriptions",
        json={"channel": channel, "kind": kind, "results": {t: decision for t in ids}},
        headers=bearer(token),
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def messages(app, **where) -> list[dict]:
    with app.app_context():
        query = sa.select(Message).order_by(Message.id)
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        rows = [{c.name: getattr(m, c.name) for c in Message.__table__.columns} for m in db.session.scalars(query)]
        db.session.remove()
    return rows


def inbox(api, token: str, **params) -> dict:
    resp = api.get("/api/v1/messages", query_string=params, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def wx_values(message: dict) -> dict:
    """{key: value} of a message the WeChat sandbox received."""
    return {k: v["value"] for k, v in message["data"].items()}
