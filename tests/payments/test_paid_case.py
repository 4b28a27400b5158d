"""A paid case end to end on both channels, through the real SDKs, the simulators and their
signed callbacks delivered over HTTP."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from payments.models import OrderStatus, RawNotification
from tests.payments.helpers import FEE_FEN, case_status, count, events, order_of, payer, payment, pending_case, started


def test_wechat_pay_moves_the_case_on_signed_callback(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    body = started(api, token, case["id"], "wechat")
    order, params = body["order"], body["wechat"]
    assert (order["status"], order["amount_fen"], order["channel"]) == ("pending", FEE_FEN, "wechat")
    # wx.requestPayment parameters, signed with the merchant key over appId\ntimeStamp\nnonceStr\npackage\n
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    message = "\n".join([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]) + "\n"
    sandbox.wechatpay_keys.merchant.public_key().verify(
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert case_status(case["id"]) == "payment_pending"

    paid = sandbox.wechatpay_pay(order["out_trade_no"])
    assert paid["notify_status"] == 204, paid
    assert case_status(case["id"]) == "submitted"
    stored = order_of(order["out_trade_no"])
    assert stored.status == OrderStatus.PAID and stored.provider_trade_no == paid["transaction_id"]
    assert stored.settled_by == "notify"
    pay_events = events("case.pay", case["id"])
    assert len(pay_events) == 1 and pay_events[0].payload["out_trade_no"] == order["out_trade_no"]
    assert count(RawNotification, RawNotification.outcome == "paid") == 1
    shown = payment(api, token, case["id"]).get_json()
    assert shown["order"]["status"] == "paid" and shown["case_status"] == "submitted"


def test_alipay_moves_the_case_on_signed_notify(api, sandbox, actx):
    token = payer(api, sandbox, channel="alipay")
    case = pending_case(api, token)
    body = started(api, token, case["id"], "alipay")
    order = body["order"]
    assert body["alipay"]["tradeNO"] and order["channel"] == "alipay"
    paid = sandbox.alipay_pay(order["out_trade_no"])
    assert (paid["notify_status"], paid["notify_answer"]) == (200, "success"), paid
    assert case_status(case["id"]) == "submitted"
    stored = order_of(order["out_trade_no"])
    assert stored.status == OrderStatus.PAID and stored.provider_trade_no == paid["trade_no"]
    assert len(events("case.pay", case["id"])) == 1
