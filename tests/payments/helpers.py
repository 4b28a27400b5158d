"""Keyword-only helpers for payments tests: a case waiting for its fee, paying it, reading it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app.cases.models import Case
from app.extensions import db
from app.outbox import OutboxEvent
from payments.models import FeeOrder
from tests.cases.helpers import ID_RENEWAL, person, ready_draft, submit
from tests.identity.helpers import alipay_login, bearer, face_pass, realname, wechat_login

APPS = "/api/v1/applications"
FEE_FEN = 2000  # 居民身份证换领: the seeded fee standard (20 yuan)


def payer(api, sandbox, *, channel: str = "wechat", name: str = "林晓岚") -> str:
    """A level-4 citizen logged in through `channel` (so they have an openid / open_id there)."""
    login = wechat_login if channel == "wechat" else alipay_login
    token = login(api, user=f"u{uuid.uuid4().hex[:8]}")["access_token"]
    token = realname(api, token, person=person(name))["access_token"]
    return face_pass(api, sandbox, token, channel=channel)["access_token"]


def pending_case(api, token: str) -> dict:
    """A submitted 居民身份证换领 case waiting for its 20-yuan fee."""
    draft = ready_draft(api, token, code=ID_RENEWAL)
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["status"], body["fee_fen"]) == ("payment_pending", FEE_FEN)
    return body


def start(api, token: str, case_id: int, channel: str = "wechat"):
    return api.post(f"{APPS}/{case_id}/payment", json={"channel": channel}, headers=bearer(token))


def started(api, token: str, case_id: int, channel: str = "wechat") -> dict:
    resp = start(api, token, case_id, channel)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def payment(api, token: str, case_id: int):
    return api.get(f"{APPS}/{case_id}/payment", headers=bearer(token))


def case_status(case_id: int) -> str:
    db.session.expire_all()
    status = db.session.scalar(sa.select(Case.status).where(Case.id == case_id))
    db.session.rollback()
    return status


def order_of(out_trade_no: str) -> FeeOrder:
    db.session.expire_all()
    order = db.session.scalar(sa.select(FeeOrder).where(FeeOrder.out_trade_no == out_trade_no))
    db.session.rollback()
    return order


def events(event_type: str, case_id: int | None = None) -> list[OutboxEvent]:
    db.session.expire_all()
    query = sa.select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id)
    rows = [e for e in db.session.scalars(query) if case_id is None or e.payload.get("case_id") == case_id]
    db.session.rollback()
    return rows


def count(model, *where) -> int:
    n = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
    db.session.rollback()
    return n


JOINT = "/api/v1/payments/joint"


def start_joint(api, token: str, case_ids: list[int], channel: str = "wechat", *, key: str | None = "joint-key-0001"):
    headers = bearer(token)
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.post(JOINT, json={"case_ids": case_ids, "channel": channel}, headers=headers)


def started_joint(
    api, token: str, case_ids: list[int], channel: str = "wechat", *, key: str = "joint-key-0001"
) -> dict:
    resp = start_joint(api, token, case_ids, channel, key=key)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def joint_payment(api, token: str, out_trade_no: str):
    return api.get(f"{JOINT}/{out_trade_no}", headers=bearer(token))
