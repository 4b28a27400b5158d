"""A correctly signed notification that does not match an order already settled (another amount,
merchant or app) is an alarm, not a duplicate — on the SQLite fast path, the PostgreSQL
one-statement settlement and the locked path alike. A matching repeat stays a quiet duplicate."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from payments.models import OrderStatus, PaymentAlarm, RawNotification
from sandbox import alipay_pay
from tests.payments.helpers import case_status, count, events, order_of
from tests.payments.test_notifications import alipay_trade, post_alipay, post_wechat, wechat_order  # noqa: F401


def assert_settled_once(case_id, out_trade_no):
    assert case_status(case_id) == "submitted"
    assert order_of(out_trade_no).status == OrderStatus.PAID
    assert len(events("case.pay", case_id)) == 1


def assert_one_mismatch_alarm(case_id, change_keys):
    alarms = events("payment.alarm")
    assert len(alarms) == 1 and alarms[0].payload["kind"] == "mismatch"
    assert alarms[0].payload["case_id"] == case_id
    assert set(change_keys) <= set(alarms[0].payload["detail"])
    assert alarms[0].payload["detail"]["order_status"] == "paid"
    assert count(PaymentAlarm, PaymentAlarm.kind == "mismatch") == 1
    assert count(RawNotification, RawNotification.outcome == "alarm") == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 0
    # the alarm names the stored notification
    assert count(PaymentAlarm, PaymentAlarm.notification_id.in_(sa.select(RawNotification.id))) == 1


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"amount": {"total": 1, "payer_total": 1, "currency": "CNY"}}, ["amount_fen"]),
        ({"appid": "wx00000000000other"}, ["appid"]),
        ({"mchid": "1900000999"}, ["mchid"]),
    ],
    ids=["amount", "appid", "mchid"],
)
def test_wechat_mismatch_after_payment_is_an_alarm(api, sandbox, actx, wechat_order, change, names):  # noqa: F811
    case_id, out_trade_no, order = wechat_order
    assert post_wechat(api, *sandbox.wechatpay.transaction_notification(order)).status_code == 204
    assert_settled_once(case_id, out_trade_no)

    resource = {**order.transaction(), **change}
    resp = post_wechat(api, *sandbox.wechatpay.notification("TRANSACTION.SUCCESS", resource))
    assert resp.status_code == 204  # received and recorded; a redelivery would not change it
    assert_settled_once(case_id, out_trade_no)
    assert_one_mismatch_alarm(case_id, names)

    # a matching redelivery is still a quiet duplicate
    assert post_wechat(api, *sandbox.wechatpay.transaction_notification(order)).status_code == 204
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 1
    assert count(PaymentAlarm) == 1


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"total_amount": "0.01", "receipt_amount": "0.01"}, ["amount_fen"]),
        ({"app_id": "2021000000009999"}, ["app_id"]),
    ],
    ids=["amount", "app_id"],
)
def test_alipay_mismatch_after_payment_is_an_alarm(api, sandbox, actx, alipay_trade, change, names):  # noqa: F811
    case_id, out_trade_no, trade = alipay_trade
    assert post_alipay(api, alipay_pay.notify_fields(sandbox.alipay, trade)).get_data(as_text=True) == "success"
    assert_settled_once(case_id, out_trade_no)

    resp = post_alipay(api, alipay_pay.notify_fields(sandbox.alipay, trade, **change))
    assert resp.get_data(as_text=True) == "success"
    assert_settled_once(case_id, out_trade_no)
    assert_one_mismatch_alarm(case_id, names)

    assert post_alipay(api, alipay_pay.notify_fields(sandbox.alipay, trade)).get_data(as_text=True) == "success"
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 1
    assert count(PaymentAlarm) == 1
