"""Reconciliation: a lost callback settled by our own query, expired orders closed at the
provider, and a case that can be paid again after its order expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from payments import reconcile
from payments.models import FeeOrder, OrderStatus, utcnow
from sandbox import alipay_pay
from tests.payments.helpers import case_status, events, order_of, payer, pending_case, started


@pytest.fixture
def reconcile_now(identity_app):
    identity_app.config["PAYMENT_RECONCILE_AFTER"] = 0
    yield lambda: reconcile.run()
    identity_app.config["PAYMENT_RECONCILE_AFTER"] = 120


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_lost_callback_is_settled_by_reconciliation(api, sandbox, actx, reconcile_now, channel):
    token = payer(api, sandbox, channel=channel)
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], channel)["order"]["out_trade_no"]
    pay = sandbox.wechatpay_pay if channel == "wechat" else sandbox.alipay_pay
    assert pay(out_trade_no, notify=False)["notify_status"] is None  # paid, the callback lost
    assert case_status(case["id"]) == "payment_pending"
    counts = reconcile_now()
    assert counts == {"paid": 1}, counts
    order = order_of(out_trade_no)
    assert (order.status, order.settled_by) == (OrderStatus.PAID, "query")
    assert case_status(case["id"]) == "submitted"
    assert len(events("case.pay", case["id"])) == 1
    # a late callback afterwards changes nothing
    if channel == "wechat":
        assert sandbox.wechatpay_pay(out_trade_no)["notify_status"] == 204
    else:
        trade = alipay_pay.pay(sandbox.alipay, out_trade_no)
        assert alipay_pay.deliver(sandbox.alipay, trade.notify_url, alipay_pay.notify_fields(sandbox.alipay, trade))[
            1
        ] == ("success")
    assert reconcile_now() == {}
    assert len(events("case.pay", case["id"])) == 1


def test_unpaid_orders_wait_until_they_expire(api, sandbox, actx, reconcile_now):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "wechat")["order"]["out_trade_no"]
    assert reconcile_now() == {"pending": 1}
    assert order_of(out_trade_no).status == OrderStatus.PENDING


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_expired_orders_are_closed_and_a_new_one_can_be_paid(api, sandbox, actx, reconcile_now, channel):
    token = payer(api, sandbox, channel=channel)
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], channel)["order"]["out_trade_no"]
    db.session.execute(
        sa.update(FeeOrder)
        .where(FeeOrder.out_trade_no == out_trade_no)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert reconcile_now() == {"closed": 1}
    assert order_of(out_trade_no).status == OrderStatus.CLOSED
    if channel == "wechat":
        assert sandbox.wechatpay.orders[("1900000109", out_trade_no)].state == "CLOSED"
    else:
        assert alipay_pay.store(sandbox.alipay).trades[("2021000000000001", out_trade_no)].status == "TRADE_CLOSED"
    assert case_status(case["id"]) == "payment_pending"
    fresh = started(api, token, case["id"], channel)["order"]["out_trade_no"]
    assert fresh != out_trade_no
    pay = sandbox.wechatpay_pay if channel == "wechat" else sandbox.alipay_pay
    pay(fresh)
    assert case_status(case["id"]) == "submitted"


def test_the_reconciliation_runs_as_an_rq_job(api, sandbox, actx, reconcile_now):
    from rq import Queue

    from app.extensions import redis_ext
    from app.queues import Queues
    from app.worker import drain
    from payments.jobs import reconcile as job

    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "wechat")["order"]["out_trade_no"]
    sandbox.wechatpay_pay(out_trade_no, notify=False)
    Queue(Queues.LOW, connection=redis_ext.client).enqueue(job)
    assert drain([Queues.LOW]) == 1
    assert case_status(case["id"]) == "submitted"
