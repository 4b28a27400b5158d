"""Callbacks and queries naming a joint order: forged, tampered and stale ones refused, a replay a
duplicate, a signed notification that does not match the joint order (before or after it was
settled) an alarm on every line; concurrent duplicate callbacks on PostgreSQL settle each case
once; a lost callback and an expired order handled by the reconciliation."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from app.outbox import OutboxEvent
from payments import reconcile
from payments.models import FeeOrder, JointOrder, OrderStatus, PaymentAlarm, RawNotification, utcnow
from sandbox import alipay_pay
from tests.dialect import on_postgres
from tests.payments.helpers import case_status, count, events, payer, pending_case, started_joint
from tests.payments.test_notifications import assert_refused, post_alipay, post_wechat


def joint_of(api, sandbox, channel: str, n: int = 2):
    token = payer(api, sandbox, channel=channel)
    cases = [pending_case(api, token)["id"] for _ in range(n)]
    joint = started_joint(api, token, cases, channel)["joint"]
    return token, cases, joint["out_trade_no"]


def joint_status(out_trade_no: str) -> str:
    status = db.session.scalar(sa.select(JointOrder.status).where(JointOrder.out_trade_no == out_trade_no))
    db.session.rollback()
    return status


def assert_unpaid(cases, out_trade_no):
    assert [case_status(c) for c in cases] == ["payment_pending"] * len(cases)
    assert joint_status(out_trade_no) == OrderStatus.PENDING
    assert count(FeeOrder, FeeOrder.status == OrderStatus.PAID) == 0
    assert events("case.pay") == []


def assert_paid_once(cases, out_trade_no):
    assert [case_status(c) for c in cases] == ["submitted"] * len(cases)
    assert joint_status(out_trade_no) == OrderStatus.PAID
    assert [len(events("case.pay", c)) for c in cases] == [1] * len(cases)


def test_wechat_forged_tampered_stale_are_refused(api, sandbox, actx, stranger_keypair):
    _, cases, no = joint_of(api, sandbox, "wechat")
    order = sandbox.wechatpay.pay(no)
    wp = sandbox.wechatpay
    assert_refused(post_wechat(api, *wp.transaction_notification(order, key=stranger_keypair.private_key)))
    headers, body = wp.transaction_notification(order)
    assert_refused(post_wechat(api, headers, body.replace('"summary":"支付成功"', '"summary":"支付成功!"')))
    assert_refused(post_wechat(api, *wp.transaction_notification(order, timestamp=int(time.time()) - 301)))
    assert_refused(post_wechat(api, *wp.transaction_notification(order, apiv3_key="x" * 32)))
    assert_unpaid(cases, no)
    assert count(RawNotification, RawNotification.outcome == "rejected") == 4
    # the authentic one, then its replay
    headers, body = wp.transaction_notification(order)
    assert post_wechat(api, headers, body).status_code == 204
    assert post_wechat(api, headers, body).status_code == 204
    assert_paid_once(cases, no)
    assert count(RawNotification, RawNotification.outcome == "paid") == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 1


def test_alipay_forged_and_tampered_are_refused_and_replay_is_a_no_op(api, sandbox, actx, stranger_keypair):
    _, cases, no = joint_of(api, sandbox, "alipay", n=3)
    trade = alipay_pay.pay(sandbox.alipay, no)
    forged = alipay_pay.notify_fields(sandbox.alipay, trade, sign_with=stranger_keypair.private_key)
    tampered = alipay_pay.notify_fields(sandbox.alipay, trade)
    tampered["total_amount"] = "20.00"  # one case's fee instead of three
    for fields in (forged, tampered):
        assert post_alipay(api, fields).get_data(as_text=True) == "fail"
    assert_unpaid(cases, no)
    fields = alipay_pay.notify_fields(sandbox.alipay, trade)
    for _ in range(3):
        assert post_alipay(api, fields).get_data(as_text=True) == "success"
    assert_paid_once(cases, no)
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 2


@pytest.mark.parametrize("after_settlement", [False, True], ids=["before", "after"])
def test_wechat_signed_but_mismatched_is_an_alarm_on_every_line(api, sandbox, actx, after_settlement):
    _, cases, no = joint_of(api, sandbox, "wechat")
    order = sandbox.wechatpay.pay(no)
    if after_settlement:
        assert post_wechat(api, *sandbox.wechatpay.transaction_notification(order)).status_code == 204
    # one case's fee: authentic, signed, but not what the joint order is
    resource = {**order.transaction(), "amount": {"total": 2000, "payer_total": 2000, "currency": "CNY"}}
    assert post_wechat(api, *sandbox.wechatpay.notification("TRANSACTION.SUCCESS", resource)).status_code == 204
    if after_settlement:
        assert_paid_once(cases, no)
    else:
        assert_unpaid(cases, no)
    alarms = events("payment.alarm")
    assert sorted(a.payload["case_id"] for a in alarms) == sorted(cases)
    for alarm in alarms:
        assert alarm.payload["kind"] == "mismatch" and "amount_fen" in alarm.payload["detail"]
        assert alarm.payload["detail"]["joint_out_trade_no"] == no
        assert ("order_status" in alarm.payload["detail"]) is after_settlement
    assert count(PaymentAlarm, PaymentAlarm.notification_id.is_not(None)) == 2
    assert count(RawNotification, RawNotification.outcome == "alarm") == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 0


def test_alipay_mismatched_app_is_an_alarm(api, sandbox, actx):
    _, cases, no = joint_of(api, sandbox, "alipay")
    trade = alipay_pay.pay(sandbox.alipay, no)
    resp = post_alipay(api, alipay_pay.notify_fields(sandbox.alipay, trade, app_id="2021000000009999"))
    assert resp.get_data(as_text=True) == "success"
    assert_unpaid(cases, no)
    assert count(PaymentAlarm, PaymentAlarm.kind == "mismatch") == 2


def test_unknown_joint_order_is_an_alarm(api, sandbox, actx):
    _, cases, no = joint_of(api, sandbox, "wechat")
    order = sandbox.wechatpay.pay(no)
    resource = {**order.transaction(), "out_trade_no": "ZSJ" + "9" * 28}
    assert post_wechat(api, *sandbox.wechatpay.notification("TRANSACTION.SUCCESS", resource)).status_code == 204
    assert count(PaymentAlarm, PaymentAlarm.kind == "unknown_order") == 1
    assert_unpaid(cases, no)


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_concurrent_duplicate_callbacks_settle_each_case_once(api, sandbox, actx, identity_app, app_server, channel):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    _, cases, no = joint_of(api, sandbox, channel, n=3)
    before = count(OutboxEvent)
    if channel == "wechat":
        headers, body = sandbox.wechatpay.transaction_notification(sandbox.wechatpay.pay(no))
        send = {"data": body.encode(), "headers": {**headers, "Content-Type": "application/json"}}
    else:
        send = {"data": alipay_pay.notify_fields(sandbox.alipay, alipay_pay.pay(sandbox.alipay, no))}
    n = 20
    barrier = threading.Barrier(n)
    answers: list = []

    def deliver():
        with requests.Session() as http:
            barrier.wait()
            resp = http.post(f"{app_server}/payments/notify/{channel}", timeout=60, **send)
            answers.append((resp.status_code, resp.text))

    threads = [threading.Thread(target=deliver) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = (204, "") if channel == "wechat" else (200, "success")
    assert answers == [expected] * n
    assert_paid_once(cases, no)
    assert count(OutboxEvent) == before + 3  # one case.pay per case
    assert count(RawNotification, RawNotification.outcome == "paid") == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == n - 1


@pytest.fixture
def reconcile_now(identity_app):
    identity_app.config["PAYMENT_RECONCILE_AFTER"] = 0
    yield reconcile.run
    identity_app.config["PAYMENT_RECONCILE_AFTER"] = 120


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_lost_callback_is_settled_by_reconciliation(api, sandbox, actx, reconcile_now, channel):
    _, cases, no = joint_of(api, sandbox, channel)
    assert reconcile_now() == {"joint_pending": 1}  # not paid yet, not expired: waits
    pay = sandbox.wechatpay_pay if channel == "wechat" else sandbox.alipay_pay
    assert pay(no, notify=False)["notify_status"] is None
    assert reconcile_now() == {"joint_paid": 1}
    assert_paid_once(cases, no)
    assert reconcile_now() == {}


def test_expired_joint_order_is_closed(api, sandbox, actx, reconcile_now):
    token, cases, no = joint_of(api, sandbox, "wechat")
    db.session.execute(sa.update(JointOrder).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert reconcile_now() == {"joint_closed": 1}
    assert joint_status(no) == OrderStatus.CLOSED
    assert count(FeeOrder, FeeOrder.status == OrderStatus.CLOSED) == 2
    assert [o.state for o in sandbox.wechatpay.orders.values() if o.out_trade_no == no] == ["CLOSED"]
    # a new joint order can be paid
    again = started_joint(api, token, cases, "wechat", key="joint-key-0002")["joint"]["out_trade_no"]
    sandbox.wechatpay_pay(again)
    assert [case_status(c) for c in cases] == ["submitted", "submitted"]
