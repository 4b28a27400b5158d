"""The fast and the ordinary way of settling a paid notification leave identical rows (house rule
16). Two cases of the same item are paid at the same channel: one notification goes through the
callback endpoint — on PostgreSQL the one-statement settlement (payments/one_statement.py) —
the other through the ordinary way under the order's row lock (`callbacks.settle_with_lock`).
Case, timeline entry, `case.pay` event, order and raw notification must then be the same, but
for what names the case, the person and the trade. On SQLite both go the ordinary way (there is
no one-statement settlement there)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from app.cases.models import Case, CaseEvent
from app.extensions import db
from app.outbox import OutboxEvent
from payments import callbacks
from payments import providers as gateways
from payments.models import FeeOrder, RawNotification
from tests.payments.helpers import payer, pending_case, started

# What differs between two cases, two people and two trades, whatever the path.
CASE_VOLATILE = {
    "id",
    "case_number",
    "account_id",
    "applicant_hash",
    "form_data",
    "created_at",
    "updated_at",
    "submitted_at",
}
ORDER_VOLATILE = {
    "id",
    "out_trade_no",
    "case_id",
    "account_id",
    "payer_id",
    "description",
    "prepay_ref",
    "provider_trade_no",
    "created_at",
    "updated_at",
    "expires_at",
    "paid_at",
}
RAW_VOLATILE = {"id", "received_at", "headers", "body", "event_id", "out_trade_no"}
EVENT_VOLATILE = {"id", "aggregate_id", "payload", "created_at", "dispatched_at"}
TIMELINE_VOLATILE = {"id", "case_id", "created_at"}
PER_CASE_FACTS = ("case_id", "case_number", "account_id", "out_trade_no")


def _row(table, *where) -> dict:
    rows = db.session.execute(sa.select(table).where(*where)).mappings().all()
    assert len(rows) == 1, rows
    return dict(rows[0])


def _without(row: dict, volatile: set[str]) -> dict:
    return {key: value for key, value in row.items() if key not in volatile}


def _one_statement_runs() -> tuple[list[str], callable]:
    seen: list[str] = []

    def watch(conn, cursor, statement, *args):
        if statement.startswith("WITH ord AS MATERIALIZED"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", watch)
    return seen, lambda: sa.event.remove(db.engine, "before_cursor_execute", watch)


def _paid_notification(sandbox, channel: str, out_trade_no: str) -> tuple[dict, bytes]:
    if channel == "wechat":
        headers, body = sandbox.wechatpay.transaction_notification(sandbox.wechatpay.pay(out_trade_no))
        return headers, body.encode()
    from sandbox import alipay_pay

    fields = alipay_pay.notify_fields(sandbox.alipay, alipay_pay.pay(sandbox.alipay, out_trade_no))
    return {}, urlencode(fields).encode()


def _through_the_endpoint(api, channel: str, headers: dict, body: bytes) -> None:
    if channel == "wechat":
        resp = api.post("/payments/notify/wechat", data=body, headers=headers, content_type="application/json")
        assert resp.status_code == 204, resp.get_data(as_text=True)
    else:
        resp = api.post("/payments/notify/alipay", data=body, content_type="application/x-www-form-urlencoded")
        assert resp.get_data(as_text=True) == "success"


def _the_ordinary_way(channel: str, headers: dict, body: bytes) -> str:
    gateway = gateways.gateway(channel)
    if channel == "wechat":
        notice = gateway.verify(headers, body)
        kept = {name: headers.get(name) for name in callbacks.WECHAT_HEADERS}
    else:
        notice = gateway.verify(body)
        kept = {}
    return callbacks.settle_with_lock(notice, kept, body).outcome


def _snapshot(case_id: int, out_trade_no: str) -> dict:
    db.session.expire_all()
    case = _row(Case.__table__, Case.id == case_id)
    entries = (
        db.session.execute(sa.select(CaseEvent.__table__).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        .mappings()
        .all()
    )
    event = _row(
        OutboxEvent.__table__,
        OutboxEvent.event_type == "case.pay",
        OutboxEvent.aggregate_id == str(case_id),
    )
    order = _row(FeeOrder.__table__, FeeOrder.out_trade_no == out_trade_no)
    raw = _row(RawNotification.__table__, RawNotification.out_trade_no == out_trade_no)
    db.session.rollback()
    return {"case": case, "timeline": dict(entries[-1]), "event": event, "order": order, "raw": raw}


def _case_before(case_id: int) -> dict:
    db.session.expire_all()
    row = _row(Case.__table__, Case.id == case_id)
    db.session.rollback()
    return row


def _shape(rows: dict, before: dict, *, case_id: int, out_trade_no: str, headers: dict, body: bytes) -> dict:
    """The rows, with what names this case, person and trade checked and taken out."""
    case, entry, event, order, raw = rows["case"], rows["timeline"], rows["event"], rows["order"], rows["raw"]
    changed = sorted(key for key in case if case[key] != before[key])
    facts = {
        "case_id": case_id,
        "case_number": case["case_number"],
        "account_id": case["account_id"],
        "out_trade_no": out_trade_no,
    }
    payload = event["payload"]
    for key in PER_CASE_FACTS:
        assert payload[key] == facts[key], (key, payload)
    assert event["aggregate_id"] == str(case_id) and event["dispatched_at"] is not None
    assert entry["case_id"] == case_id
    assert (order["case_id"], order["account_id"]) == (case_id, case["account_id"])
    assert order["provider_trade_no"] and order["paid_at"] is not None
    assert raw["body"] == body.decode() and raw["headers"] == headers and raw["event_id"]
    return {
        "case": _without(case, CASE_VOLATILE),
        "case columns changed": changed,
        "case moved when its timeline entry was written": case["updated_at"] == entry["created_at"],
        "order paid when updated": order["paid_at"] == order["updated_at"],
        "timeline": _without(entry, TIMELINE_VOLATILE),
        "event": _without(event, EVENT_VOLATILE),
        "payload keys in order": list(payload),
        "payload": {key: value for key, value in payload.items() if key not in PER_CASE_FACTS},
        "order": _without(order, ORDER_VOLATILE),
        "raw": _without(raw, RAW_VOLATILE),
    }


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_the_one_statement_and_the_ordinary_way_leave_identical_rows(api, sandbox, actx, channel):
    paid = []
    for name in ("林晓岚", "陈云栖"):
        token = payer(api, sandbox, channel=channel, name=name)
        case = pending_case(api, token)
        out_trade_no = started(api, token, case["id"], channel)["order"]["out_trade_no"]
        paid.append((case["id"], out_trade_no, _case_before(case["id"])))
    shapes = []
    for (case_id, out_trade_no, before), way in zip(paid, ("endpoint", "ordinary"), strict=True):
        headers, body = _paid_notification(sandbox, channel, out_trade_no)
        runs, stop = _one_statement_runs()
        try:
            if way == "endpoint":
                _through_the_endpoint(api, channel, headers, body)
            else:
                assert _the_ordinary_way(channel, headers, body) == "paid"
        finally:
            stop()
        fast = way == "endpoint" and db.engine.dialect.name == "postgresql"
        assert len(runs) == (1 if fast else 0)
        kept = {name: headers.get(name) for name in callbacks.WECHAT_HEADERS} if channel == "wechat" else {}
        rows = _snapshot(case_id, out_trade_no)
        shapes.append(_shape(rows, before, case_id=case_id, out_trade_no=out_trade_no, headers=kept, body=body))
    fast_way, ordinary_way = shapes
    assert fast_way["case"]["status"] == "submitted"
    assert fast_way["case columns changed"] == ["status", "updated_at"]
    assert fast_way["timeline"]["action"] == "pay" and fast_way["raw"]["outcome"] == "paid"
    assert fast_way["order"]["status"] == "paid"
    for part in fast_way:
        assert fast_way[part] == ordinary_way[part], part
