"""The ways a paid notification settles: on PostgreSQL one statement for the common case, the
ORM path for everything else (instant-approval rules, mismatches, late payments); on SQLite the
Core/ORM path throughout. Whatever the path, the case moves with the same timeline entry and
the same `case.pay` event, and in relay mode the event waits for the relay."""

from __future__ import annotations

import sqlalchemy as sa

from app import events as outbox_events
from app.cases.models import Case, CaseEvent
from app.extensions import db
from app.worker import drain
from payments.models import OrderStatus, RawNotification
from tests.cases.helpers import ID_RENEWAL
from tests.payments.helpers import FEE_FEN, case_status, count, events, order_of, payer, pending_case, started


def _timeline(case_id: int) -> list[tuple[str, str, str, str]]:
    rows = db.session.execute(
        sa.select(CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status, CaseEvent.actor)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.id)
    ).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


def _one_statement_runs() -> list[str]:
    """Statements of the one-statement settlement run while the list is being watched."""
    seen: list[str] = []

    def watch(conn, cursor, statement, *args):
        if statement.startswith("WITH ord AS MATERIALIZED"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", watch)
    _WATCHERS.append(watch)
    return seen


_WATCHERS: list = []


def _stop_watching() -> None:
    while _WATCHERS:
        sa.event.remove(db.engine, "before_cursor_execute", _WATCHERS.pop())


def test_the_pay_event_and_timeline_are_the_same_on_every_path(api, sandbox, actx):
    one_statement = _one_statement_runs()
    try:
        _pay_both_channels(api, sandbox)
    finally:
        _stop_watching()
    # PostgreSQL settled both in one statement each; SQLite went the Core/ORM way
    assert len(one_statement) == (2 if db.engine.dialect.name == "postgresql" else 0)


def _pay_both_channels(api, sandbox) -> None:
    for channel, actor, name in (("wechat", "system:wechatpay", "林晓岚"), ("alipay", "system:alipay", "陈云栖")):
        token = payer(api, sandbox, channel=channel, name=name)
        case = pending_case(api, token)
        out_trade_no = started(api, token, case["id"], channel)["order"]["out_trade_no"]
        paid = sandbox.wechatpay_pay(out_trade_no) if channel == "wechat" else sandbox.alipay_pay(out_trade_no)
        assert paid["notify_status"] in (200, 204), paid
        (event,) = events("case.pay", case["id"])
        stored = db.session.get(Case, case["id"])
        assert event.payload == {
            "case_id": case["id"],
            "case_number": stored.case_number,
            "account_id": stored.account_id,
            "service_code": ID_RENEWAL,
            "service_name": stored.service_name,
            "department_code": stored.department_code,
            "enterprise_id": None,
            "from": "payment_pending",
            "to": "submitted",
            "channel": channel,
            "out_trade_no": out_trade_no,
            "amount_fen": FEE_FEN,
        }
        assert (event.aggregate_type, event.aggregate_id) == ("case", str(case["id"]))
        assert event.dispatched_at is not None
        db.session.rollback()
        assert _timeline(case["id"])[-1] == ("pay", "payment_pending", "submitted", actor)
        order = order_of(out_trade_no)
        assert (order.status, order.settled_by, order.paid_at is not None) == (OrderStatus.PAID, "notify", True)
        raw = db.session.scalars(sa.select(RawNotification).where(RawNotification.out_trade_no == out_trade_no)).all()
        assert [(r.outcome, r.verified, r.channel) for r in raw] == [("paid", True, channel)]
        db.session.rollback()


def test_a_fee_item_with_instant_rules_is_decided_after_payment(api, sandbox, actx):
    """A case whose item has instant-approval rules goes the ORM way (the rules need the whole
    case): paid, then approved at once when the rules hold."""
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    db.session.execute(
        sa.update(Case).where(Case.id == case["id"]).values(instant_rules=[{"rule": "age_at_least", "years": 16}])
    )
    db.session.commit()
    out_trade_no = started(api, token, case["id"], "wechat")["order"]["out_trade_no"]
    assert sandbox.wechatpay_pay(out_trade_no)["notify_status"] == 204
    assert case_status(case["id"]) == "approved"
    actions = [row[0] for row in _timeline(case["id"])]
    assert actions[actions.index("pay") + 1] == "instant_approve"
    assert len(events("case.pay", case["id"])) == 1
    assert len(events("case.instant_approve", case["id"])) == 1
    assert order_of(out_trade_no).status == OrderStatus.PAID


def test_in_relay_mode_the_pay_event_waits_for_the_relay(api, sandbox, actx, identity_app, monkeypatch):
    monkeypatch.setitem(identity_app.config, "EVENTS_DISPATCH_ON_COMMIT", False)
    token = payer(api, sandbox, channel="alipay")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "alipay")["order"]["out_trade_no"]
    assert sandbox.alipay_pay(out_trade_no)["notify_answer"] == "success"
    assert case_status(case["id"]) == "submitted"
    (event,) = events("case.pay", case["id"])
    assert event.dispatched_at is None
    assert outbox_events.relay(once=True) >= 1
    (event,) = events("case.pay", case["id"])
    assert event.dispatched_at is not None
    assert drain() >= 1
    assert count(RawNotification, RawNotification.outcome == "paid") == 1
