"""Refunds of a joint order are per case line: a member case denied (or withdrawn) after the joint
payment gets its own fee back — a partial refund of the joint trade — and the others keep theirs;
a case that ended before the payment closes the whole joint order; a payment arriving after one
case stopped waiting refunds that case's line only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.worker import drain
from payments.models import FeeOrder, OrderStatus, PaymentAlarm, Refund, RefundStatus
from sandbox import alipay_pay
from tests.identity.helpers import bearer
from tests.payments.helpers import (
    FEE_FEN,
    case_status,
    count,
    events,
    joint_payment,
    payer,
    pending_case,
    started_joint,
)
from tests.payments.test_refunds import refund_timeline, staff

WECHAT_MCHID, ALIPAY_APP = "1900000109", "2021000000000001"


def paid_joint(api, sandbox, channel: str, n: int = 2):
    token = payer(api, sandbox, channel=channel)
    cases = [pending_case(api, token)["id"] for _ in range(n)]
    no = started_joint(api, token, cases, channel)["joint"]["out_trade_no"]
    (sandbox.wechatpay_pay if channel == "wechat" else sandbox.alipay_pay)(no)
    assert [case_status(c) for c in cases] == ["submitted"] * n
    return token, cases, no


def line_of(case_id: int) -> FeeOrder:
    db.session.expire_all()
    line = db.session.scalar(sa.select(FeeOrder).where(FeeOrder.case_id == case_id))
    db.session.rollback()
    return line


def refund_of_case(case_id: int) -> Refund | None:
    refund = db.session.scalar(sa.select(Refund).where(Refund.case_id == case_id))
    db.session.rollback()
    return refund


@pytest.mark.parametrize("action", ["deny", "reject"])
def test_wechat_a_denied_member_gets_its_own_fee_back(api, sandbox, actx, action):
    token, (denied, kept, other), no = paid_joint(api, sandbox, "wechat", n=3)
    staff(denied, action)
    assert drain() >= 1
    refund = refund_of_case(denied)
    assert refund.status == RefundStatus.PROCESSING and refund.amount_fen == FEE_FEN
    (at_provider,) = [r for r in sandbox.wechatpay.refunds.values() if r.out_trade_no == no]
    assert (at_provider.refund, at_provider.total) == (FEE_FEN, 3 * FEE_FEN)  # part of the joint trade
    assert sandbox.wechatpay_finish_refund(refund.out_refund_no)["notify_status"] == 204
    assert line_of(denied).status == OrderStatus.REFUNDED
    assert line_of(kept).status == line_of(other).status == OrderStatus.PAID
    assert (case_status(kept), case_status(other)) == ("submitted", "submitted")
    assert len(refund_timeline(denied)) == 1 and refund_timeline(kept) == []
    assert len(events("payment.refunded", denied)) == 1 and events("payment.refunded", kept) == []
    shown = joint_payment(api, token, no).get_json()["joint"]
    assert shown["status"] == "paid"
    by_case = {line["case_id"]: line for line in shown["lines"]}
    assert by_case[denied]["status"] == "refunded" and by_case[denied]["refund"]["status"] == "succeeded"
    assert by_case[kept]["refund"] is None
    # a second member denied later: its own refund, the provider's total never exceeded
    staff(kept, action)
    drain()
    assert sandbox.wechatpay_finish_refund(refund_of_case(kept).out_refund_no)["notify_status"] == 204
    assert sum(r.refund for r in sandbox.wechatpay.refunds.values() if r.out_trade_no == no) == 2 * FEE_FEN
    assert line_of(other).status == OrderStatus.PAID


def test_alipay_a_withdrawn_member_is_refunded_synchronously(api, sandbox, actx):
    token, (gone, kept), no = paid_joint(api, sandbox, "alipay")
    assert api.post(f"/api/v1/applications/{gone}/withdraw", headers=bearer(token)).status_code == 200
    drain()
    assert line_of(gone).status == OrderStatus.REFUNDED and line_of(kept).status == OrderStatus.PAID
    trade = alipay_pay.store(sandbox.alipay).trades[(ALIPAY_APP, no)]
    assert list(trade.refunds.values()) == ["20.00"] and trade.total_amount == "40.00"
    assert trade.refunds == {refund_of_case(gone).out_refund_no: "20.00"}


def test_a_member_withdrawn_before_paying_closes_the_joint_order(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    gone, kept = pending_case(api, token)["id"], pending_case(api, token)["id"]
    no = started_joint(api, token, [gone, kept])["joint"]["out_trade_no"]
    assert api.post(f"/api/v1/applications/{gone}/withdraw", headers=bearer(token)).status_code == 200
    drain()
    assert sandbox.wechatpay.orders[(WECHAT_MCHID, no)].state == "CLOSED"
    assert {line_of(gone).status, line_of(kept).status} == {OrderStatus.CLOSED}
    assert count(Refund) == 0
    # what is still due is paid by a new order
    again = started_joint(api, token, [gone, kept], key="joint-key-0002")["joint"]
    assert again["amount_fen"] == FEE_FEN and again["skipped_case_ids"] == [gone]


def test_payment_after_a_member_was_withdrawn_refunds_that_line(api, sandbox, actx):
    token = payer(api, sandbox, channel="alipay")
    gone, kept = pending_case(api, token)["id"], pending_case(api, token)["id"]
    no = started_joint(api, token, [gone, kept], "alipay")["joint"]["out_trade_no"]
    # withdrawn; the subscriber job has not closed the order yet when the citizen pays
    assert api.post(f"/api/v1/applications/{gone}/withdraw", headers=bearer(token)).status_code == 200
    assert sandbox.alipay_pay(no)["notify_answer"] == "success"
    assert (case_status(gone), case_status(kept)) == ("withdrawn", "submitted")
    drain()
    assert line_of(gone).status == OrderStatus.REFUNDED and line_of(kept).status == OrderStatus.PAID
    assert count(PaymentAlarm, PaymentAlarm.kind == "paid_late") == 1
    assert events("case.pay", gone) == [] and len(events("case.pay", kept)) == 1
    trade = alipay_pay.store(sandbox.alipay).trades[(ALIPAY_APP, no)]
    assert list(trade.refunds.values()) == ["20.00"]
