"""Callbacks that must not move anything: forged, tampered, signed with another key, stale,
undecryptable, for another amount / merchant / app, replayed. Each gets the answer its provider
expects, is stored, and leaves the order and the case as they were."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from payments.models import OrderStatus, PaymentAlarm, RawNotification
from sandbox import alipay_pay
from sandbox.wechatpay_state import PUBLIC_KEY_ID
from tests.payments.helpers import case_status, count, events, order_of, payer, pending_case, started

WECHAT = "/payments/notify/wechat"
ALIPAY = "/payments/notify/alipay"


@pytest.fixture
def wechat_order(api, sandbox):
    """A case waiting for its fee, its WeChat order paid at the provider, no callback sent yet."""
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "wechat")["order"]["out_trade_no"]
    sandbox_order = sandbox.wechatpay.pay(out_trade_no)
    return case["id"], out_trade_no, sandbox_order


@pytest.fixture
def alipay_trade(api, sandbox):
    token = payer(api, sandbox, channel="alipay")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "alipay")["order"]["out_trade_no"]
    trade = alipay_pay.pay(sandbox.alipay, out_trade_no)
    return case["id"], out_trade_no, trade


def post_wechat(api, headers, body):
    return api.post(WECHAT, data=body.encode(), headers=headers, content_type="application/json")


def assert_refused(resp):
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "FAIL" and resp.get_json()["message"]


def assert_unchanged(case_id, out_trade_no):
    assert case_status(case_id) == "payment_pending"
    assert order_of(out_trade_no).status == OrderStatus.PENDING
    assert events("case.pay", case_id) == []


# ---------------------------------------------------------------- WeChat Pay


def test_wechat_forged_signature_is_refused(api, sandbox, actx, wechat_order, stranger_keypair):
    case_id, out_trade_no, order = wechat_order
    headers, body = sandbox.wechatpay.transaction_notification(order, key=stranger_keypair.private_key)
    assert headers["Wechatpay-Serial"] == PUBLIC_KEY_ID
    assert_refused(post_wechat(api, headers, body))
    assert_unchanged(case_id, out_trade_no)
    assert count(RawNotification, RawNotification.outcome == "rejected", RawNotification.verified.is_(False)) == 1


def test_wechat_tampered_body_is_refused(api, sandbox, actx, wechat_order):
    case_id, out_trade_no, order = wechat_order
    headers, body = sandbox.wechatpay.transaction_notification(order)
    assert_refused(post_wechat(api, headers, body.replace('"summary":"支付成功"', '"summary":"支付成功!"')))
    assert_unchanged(case_id, out_trade_no)


def test_wechat_unknown_serial_and_wrong_apiv3_key_are_refused(api, sandbox, actx, wechat_order):
    case_id, out_trade_no, order = wechat_order
    headers, body = sandbox.wechatpay.transaction_notification(order, serial="PUB_KEY_ID_SOMEONE_ELSE")
    assert_refused(post_wechat(api, headers, body))
    # signed correctly, but the resource encrypted with another APIv3 key
    headers, body = sandbox.wechatpay.transaction_notification(order, apiv3_key="x" * 32)
    assert_refused(post_wechat(api, headers, body))
    assert_unchanged(case_id, out_trade_no)
    assert count(RawNotification, RawNotification.outcome == "rejected") == 2


def test_wechat_stale_timestamp_is_refused(api, sandbox, actx, wechat_order):
    case_id, out_trade_no, order = wechat_order
    headers, body = sandbox.wechatpay.transaction_notification(order, timestamp=int(time.time()) - 301)
    assert_refused(post_wechat(api, headers, body))
    headers, body = sandbox.wechatpay.transaction_notification(order, timestamp=int(time.time()) + 301)
    assert_refused(post_wechat(api, headers, body))
    assert_unchanged(case_id, out_trade_no)


@pytest.mark.parametrize(
    "change",
    [
        {"amount": {"total": 1, "payer_total": 1, "currency": "CNY"}},
        {"appid": "wx00000000000other"},
        {"mchid": "1900000999"},
    ],
    ids=["amount", "appid", "mchid"],
)
def test_wechat_authentic_but_mismatched_is_an_alarm_not_a_payment(api, sandbox, actx, wechat_order, change):
    case_id, out_trade_no, order = wechat_order
    resource = {**order.transaction(), **change}
    headers, body = sandbox.wechatpay.notification("TRANSACTION.SUCCESS", resource)
    resp = post_wechat(api, headers, body)
    assert resp.status_code == 204  # received and recorded; redelivery would not change it
    assert_unchanged(case_id, out_trade_no)
    assert count(PaymentAlarm, PaymentAlarm.kind == "mismatch") == 1
    assert count(RawNotification, RawNotification.outcome == "alarm") == 1
    # the alarm names the stored notification
    assert count(PaymentAlarm, PaymentAlarm.notification_id.in_(sa.select(RawNotification.id))) == 1
    alarm = events("payment.alarm")
    assert len(alarm) == 1 and alarm[0].payload["case_id"] == case_id and alarm[0].payload["account_id"]
    # the real callback still settles it afterwards
    assert post_wechat(api, *sandbox.wechatpay.transaction_notification(order)).status_code == 204
    assert case_status(case_id) == "submitted"


def test_wechat_replayed_callback_is_a_no_op(api, sandbox, actx, wechat_order):
    case_id, out_trade_no, order = wechat_order
    headers, body = sandbox.wechatpay.transaction_notification(order)
    assert post_wechat(api, headers, body).status_code == 204
    assert post_wechat(api, headers, body).status_code == 204  # a replay within the window
    assert post_wechat(api, *sandbox.wechatpay.transaction_notification(order)).status_code == 204  # a redelivery
    assert case_status(case_id) == "submitted"
    assert len(events("case.pay", case_id)) == 1
    assert count(RawNotification, RawNotification.outcome == "paid") == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 2


def test_wechat_platform_certificate_and_public_key_are_both_trusted(api, sandbox, actx, wechat_order):
    case_id, out_trade_no, order = wechat_order
    sandbox.wechatpay.mode = "platform_cert"
    try:
        headers, body = sandbox.wechatpay.transaction_notification(order)
        assert headers["Wechatpay-Serial"] == sandbox.wechatpay_keys.platform_serial
        assert post_wechat(api, headers, body).status_code == 204
    finally:
        sandbox.wechatpay.mode = "public_key"
    assert case_status(case_id) == "submitted"


def test_wechat_sdk_answers_signed_by_the_platform_certificate_verify(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    sandbox.wechatpay.mode = "platform_cert"
    try:
        body = started(api, token, case["id"], "wechat")
    finally:
        sandbox.wechatpay.mode = "public_key"
    assert body["wechat"]["package"].startswith("prepay_id=")


def test_wechat_callback_for_an_unknown_order_is_an_alarm(api, sandbox, actx, wechat_order):
    case_id, out_trade_no, order = wechat_order
    resource = {**order.transaction(), "out_trade_no": "ZSBNOTOURS000000001"}
    resp = post_wechat(api, *sandbox.wechatpay.notification("TRANSACTION.SUCCESS", resource))
    assert resp.status_code == 204
    assert count(PaymentAlarm, PaymentAlarm.kind == "unknown_order") == 1
    assert_unchanged(case_id, out_trade_no)


# ---------------------------------------------------------------- Alipay


def post_alipay(api, fields: dict):
    return api.post(ALIPAY, data=fields)


def test_alipay_forged_tampered_and_unsigned_notify_answer_fail(api, sandbox, actx, alipay_trade, stranger_keypair):
    case_id, out_trade_no, trade = alipay_trade
    forged = alipay_pay.notify_fields(sandbox.alipay, trade, sign_with=stranger_keypair.private_key)
    tampered = alipay_pay.notify_fields(sandbox.alipay, trade)
    tampered["total_amount"] = "0.01"
    unsigned = alipay_pay.notify_fields(sandbox.alipay, trade)
    del unsigned["sign"]
    for fields in (forged, tampered, unsigned):
        resp = post_alipay(api, fields)
        assert resp.status_code == 200 and resp.get_data(as_text=True) == "fail"
    assert_unchanged(case_id, out_trade_no)
    assert count(RawNotification, RawNotification.outcome == "rejected") == 3


@pytest.mark.parametrize(
    "change",
    [{"total_amount": "2.00", "receipt_amount": "2.00"}, {"app_id": "2021000000009999"}],
    ids=["amount", "app_id"],
)
def test_alipay_authentic_but_mismatched_is_an_alarm(api, sandbox, actx, alipay_trade, change):
    case_id, out_trade_no, trade = alipay_trade
    resp = post_alipay(api, alipay_pay.notify_fields(sandbox.alipay, trade, **change))
    assert resp.get_data(as_text=True) == "success"
    assert_unchanged(case_id, out_trade_no)
    assert count(PaymentAlarm, PaymentAlarm.kind == "mismatch") == 1


def test_alipay_replayed_notify_is_a_no_op(api, sandbox, actx, alipay_trade):
    case_id, out_trade_no, trade = alipay_trade
    fields = alipay_pay.notify_fields(sandbox.alipay, trade)
    for _ in range(3):
        assert post_alipay(api, fields).get_data(as_text=True) == "success"
    assert case_status(case_id) == "submitted"
    assert len(events("case.pay", case_id)) == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 2


def test_alipay_waiting_status_does_not_pay(api, sandbox, actx, alipay_trade):
    case_id, out_trade_no, trade = alipay_trade
    fields = alipay_pay.notify_fields(sandbox.alipay, trade, trade_status="WAIT_BUYER_PAY")
    assert post_alipay(api, fields).get_data(as_text=True) == "success"
    assert_unchanged(case_id, out_trade_no)
