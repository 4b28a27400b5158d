"""Refunds of paid cases that are rejected, denied or withdrawn, on both channels: through the
outbox subscriber, visible to the citizen and on the timeline, sent once however often retried."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.cases import transitions
from app.cases.models import CaseEvent
from app.extensions import db
from app.worker import drain
from payments import refunds
from payments.models import FeeOrder, OrderStatus, PaymentAlarm, Refund, RefundStatus
from sandbox import alipay_pay
from tests.identity.helpers import bearer
from tests.payments.helpers import case_status, count, events, order_of, payer, payment, pending_case, started


def paid_case(api, sandbox, channel: str) -> tuple[str, int, str]:
    token = payer(api, sandbox, channel=channel)
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], channel)["order"]["out_trade_no"]
    pay = sandbox.wechatpay_pay if channel == "wechat" else sandbox.alipay_pay
    pay(out_trade_no)
    assert case_status(case["id"]) == "submitted"
    return token, case["id"], out_trade_no


def staff(case_id: int, action: str) -> None:
    if action == "deny":
        transitions.staff_move(case_id, "accept", actor="staff:test")
    transitions.staff_move(case_id, action, actor="staff:test", note="材料不符合要求")


def refund_timeline(case_id: int) -> list[CaseEvent]:
    db.session.expire_all()
    rows = list(
        db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "refund"))
    )
    db.session.rollback()
    return rows


def wechat_refunds(sandbox, out_trade_no: str) -> list:
    return [r for r in sandbox.wechatpay.refunds.values() if r.out_trade_no == out_trade_no]


@pytest.mark.parametrize("action", ["reject", "deny"])
def test_wechat_refund_of_a_rejected_or_denied_case(api, sandbox, actx, action):
    token, case_id, out_trade_no = paid_case(api, sandbox, "wechat")
    staff(case_id, action)
    assert drain() >= 1
    order = order_of(out_trade_no)
    assert order.status == OrderStatus.REFUNDING
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    db.session.rollback()
    assert refund.status == RefundStatus.PROCESSING and refund.amount_fen == 2000
    shown = payment(api, token, case_id).get_json()["order"]
    assert shown["refund"]["status"] == "processing"
    # WeChat Pay finishes the refund and calls back
    assert sandbox.wechatpay_finish_refund(refund.out_refund_no)["notify_status"] == 204
    assert order_of(out_trade_no).status == OrderStatus.REFUNDED
    shown = payment(api, token, case_id).get_json()["order"]
    assert shown["status"] == "refunded" and shown["refund"]["status"] == "succeeded"
    (step,) = refund_timeline(case_id)
    assert "已退款20.00元" in step.note and step.from_status == step.to_status
    (event,) = events("payment.refunded", case_id)
    assert {"account_id", "case_id", "case_number", "service_name"} <= set(event.payload)
    # a duplicated refund callback changes nothing
    record = sandbox.wechatpay.refunds[("1900000109", refund.out_refund_no)]
    sandbox.wechatpay.deliver(record.notify_url, *sandbox.wechatpay.refund_notification(record))
    assert len(events("payment.refunded", case_id)) == 1 and len(refund_timeline(case_id)) == 1
    assert len(wechat_refunds(sandbox, out_trade_no)) == 1


def test_alipay_refund_of_a_withdrawn_case_is_synchronous(api, sandbox, actx):
    token, case_id, out_trade_no = paid_case(api, sandbox, "alipay")
    resp = api.post(f"/api/v1/applications/{case_id}/withdraw", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    drain()
    order = order_of(out_trade_no)
    assert order.status == OrderStatus.REFUNDED
    trade = alipay_pay.store(sandbox.alipay).trades[("2021000000000001", out_trade_no)]
    assert list(trade.refunds.values()) == ["20.00"]
    assert len(events("payment.refunded", case_id)) == 1 and len(refund_timeline(case_id)) == 1
    assert payment(api, token, case_id).get_json()["order"]["refund"]["status"] == "succeeded"


def test_wechat_refund_retry_reuses_out_refund_no(api, sandbox, actx):
    token, case_id, out_trade_no = paid_case(api, sandbox, "wechat")
    sandbox.wechatpay.failures.clear()
    from sandbox.common import FailureRule

    sandbox.wechatpay.failures.append(FailureRule(path_prefix="/v3/refund", http_status=503, body="busy"))
    staff(case_id, "reject")
    drain()  # the job fails (503); rq schedules a retry
    order = order_of(out_trade_no)
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    db.session.rollback()
    assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 1) and "503" in refund.last_error
    assert wechat_refunds(sandbox, out_trade_no) == []
    # the retry, twice (a redelivered job): one refund at WeChat Pay, same out_refund_no
    assert refunds.send(order.id) == RefundStatus.PROCESSING
    assert refunds.send(order.id) == RefundStatus.PROCESSING
    (at_provider,) = wechat_refunds(sandbox, out_trade_no)
    assert at_provider.out_refund_no == refund.out_refund_no
    assert count(Refund) == 1


def test_alipay_refund_retry_reuses_out_request_no(api, sandbox, actx):
    token, case_id, out_trade_no = paid_case(api, sandbox, "alipay")
    sandbox.alipay_fail_next(errcode="20000", method="alipay.trade.refund")
    staff(case_id, "reject")
    drain()
    order = order_of(out_trade_no)
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    db.session.rollback()
    assert refund.status == RefundStatus.PENDING and refund.attempts == 1
    assert refunds.send(order.id) == RefundStatus.SUCCEEDED
    # a late duplicate: Alipay answers fund_change N for the same out_request_no; confirmed by query
    db.session.execute(sa.update(Refund).where(Refund.id == refund.id).values(status=RefundStatus.PENDING))
    db.session.execute(sa.update(FeeOrder).where(FeeOrder.id == order.id).values(status=OrderStatus.REFUNDING))
    db.session.commit()
    assert refunds.send(order.id) == RefundStatus.SUCCEEDED
    trade = alipay_pay.store(sandbox.alipay).trades[("2021000000000001", out_trade_no)]
    assert trade.refunds == {refund.out_refund_no: "20.00"}


def test_a_refused_refund_fails_with_an_alarm(api, sandbox, actx):
    token, case_id, out_trade_no = paid_case(api, sandbox, "wechat")
    from sandbox.common import FailureRule

    refused = '{"code":"NOT_ENOUGH","message":"余额不足"}'
    sandbox.wechatpay.failures.append(FailureRule(path_prefix="/v3/refund", http_status=403, body=refused))
    staff(case_id, "reject")
    drain()
    order = order_of(out_trade_no)
    refund = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    db.session.rollback()
    assert refund.status == RefundStatus.FAILED
    assert count(PaymentAlarm, PaymentAlarm.kind == "refund_failed") == 1
    assert len(events("payment.refund_failed", case_id)) == 1
    assert payment(api, token, case_id).get_json()["order"]["refund"]["status"] == "failed"


def test_withdrawing_before_paying_closes_the_order(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "wechat")["order"]["out_trade_no"]
    assert api.post(f"/api/v1/applications/{case['id']}/withdraw", headers=bearer(token)).status_code == 200
    drain()
    assert order_of(out_trade_no).status == OrderStatus.CLOSED
    assert sandbox.wechatpay.orders[("1900000109", out_trade_no)].state == "CLOSED"
    assert count(Refund) == 0


def test_payment_after_the_case_was_withdrawn_is_refunded(api, sandbox, actx):
    token = payer(api, sandbox, channel="alipay")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "alipay")["order"]["out_trade_no"]
    # the citizen withdraws; the subscriber job has not run yet
    assert api.post(f"/api/v1/applications/{case['id']}/withdraw", headers=bearer(token)).status_code == 200
    paid = sandbox.alipay_pay(out_trade_no)  # paid on the phone just before the close arrives
    assert paid["notify_answer"] == "success"
    assert case_status(case["id"]) == "withdrawn"
    drain()
    assert order_of(out_trade_no).status == OrderStatus.REFUNDED
    assert count(PaymentAlarm, PaymentAlarm.kind == "paid_late") == 1
    assert events("case.pay", case["id"]) == []
