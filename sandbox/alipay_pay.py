"""Alipay payment methods for the gateway simulator (sandbox/alipay.py), added through
`@register_method`, and the async notify Alipay sends after a payment.

Methods (biz_content as the SDK models send it; amounts in yuan with two decimals):
- `alipay.trade.create` (`out_trade_no` 1–64, `total_amount`, `subject`, `product_code` JSAPI_PAY,
  `buyer_open_id` or `buyer_id`; `notify_url` a common parameter) → `out_trade_no`, `trade_no`.
  The same out_trade_no with the same amount answers the same trade_no; another amount → 40004
  ACQ.INVALID_PARAMETER; paid → ACQ.TRADE_HAS_SUCCESS; closed → ACQ.TRADE_HAS_CLOSE.
- `alipay.trade.query` (`out_trade_no` or `trade_no`) → `trade_status` WAIT_BUYER_PAY,
  TRADE_SUCCESS, TRADE_CLOSED; unknown → 40004 ACQ.TRADE_NOT_EXIST.
- `alipay.trade.close` → 10000; a paid trade → ACQ.TRADE_STATUS_ERROR.
- `alipay.trade.refund` (`out_request_no`, `refund_amount`) → synchronous: `fund_change` "Y" the
  first time, "N" for a repeat of the same out_request_no (no second refund); `refund_fee` the
  total refunded. More than paid → ACQ.REFUND_AMT_NOT_EQUAL_TOTAL; unpaid → ACQ.TRADE_NOT_ALLOW_REFUND.
- `alipay.trade.fastpay.refund.query` (`out_trade_no`, `out_request_no`) → `refund_status`
  REFUND_SUCCESS with the amounts; no such refund → 10000 without refund_status.

Async notify (form POST to the trade's notify_url): `notify_time, notify_type trade_status_sync,
notify_id, app_id, charset, version, sign_type RSA2, sign, trade_no, out_trade_no, trade_status,
total_amount, receipt_amount, buyer_pay_amount, buyer_open_id | buyer_id, seller_id, gmt_create,
gmt_payment, subject`; sign = SHA256withRSA with the Alipay key over every other field but
`sign` and `sign_type`, sorted, `k=v&…`.

Controls: `POST /sandbox/trade/{out_trade_no}/pay` `{"notify"?: true}` — the citizen pays in
Alipay; the signed notify is sent at once unless notify is false (a lost notify). Answers
`{"trade_status", "trade_no", "notify_status", "notify_answer"}`. `GET /sandbox/trade/{no}`.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import requests
from flask import Flask, jsonify

from sandbox.alipay import AlipayError, register_method, sign_content
from sandbox.alipay_state import AlipayState
from sandbox.common import bad_control, control_payload

BEIJING = ZoneInfo("Asia/Shanghai")
SELLER_ID = "2088000000000001"


def _now() -> str:
    return datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Trade:
    app_id: str
    out_trade_no: str
    trade_no: str
    total_amount: str
    subject: str
    buyer_open_id: str | None
    buyer_id: str | None
    notify_url: str | None
    gmt_create: str
    status: str = "WAIT_BUYER_PAY"
    gmt_payment: str | None = None
    refunds: dict[str, str] = field(default_factory=dict)  # out_request_no -> amount

    def refunded(self) -> Decimal:
        return sum((Decimal(v) for v in self.refunds.values()), Decimal("0"))


@dataclass
class PayStore:
    trades: dict[tuple[str, str], Trade] = field(default_factory=dict)
    deliveries: list[dict] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)


def store(state: AlipayState) -> PayStore:
    """The payment part of an AlipayState (created on first use)."""
    with state.lock:
        return state.__dict__.setdefault("pay", PayStore())


def _amount(value, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", f"{name} 无效") from None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("100000000"):
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", f"{name} 须为0.01-100000000之间两位小数")
    return amount


def _trade(state: AlipayState, app_id: str, biz: dict) -> Trade:
    pay = store(state)
    with pay.lock:
        if biz.get("out_trade_no"):
            trade = pay.trades.get((app_id, str(biz["out_trade_no"])))
        else:
            trade = next((t for t in pay.trades.values() if t.trade_no == biz.get("trade_no")), None)
    if trade is None or trade.app_id != app_id:
        raise AlipayError("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
    return trade


@register_method("alipay.trade.create")
def trade_create(state: AlipayState, app_id: str, biz: dict, params: dict) -> dict:
    out_trade_no = biz.get("out_trade_no")
    if not isinstance(out_trade_no, str) or not 1 <= len(out_trade_no) <= 64:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "out_trade_no 无效")
    total = _amount(biz.get("total_amount"), "total_amount")
    subject = biz.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "subject 缺失")
    if not (biz.get("buyer_open_id") or biz.get("buyer_id")):
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "buyer_open_id 或 buyer_id 缺失")
    pay = store(state)
    with pay.lock:
        trade = pay.trades.get((app_id, out_trade_no))
        if trade is not None:
            if trade.status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                raise AlipayError("40004", "ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
            if trade.status == "TRADE_CLOSED":
                raise AlipayError("40004", "ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
            if Decimal(trade.total_amount) != total:
                raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "订单金额与原交易不一致")
        else:
            trade = Trade(
                app_id=app_id,
                out_trade_no=out_trade_no,
                trade_no=datetime.now(BEIJING).strftime("%Y%m%d") + "22001" + secrets.token_hex(6),
                total_amount=f"{total:.2f}",
                subject=subject,
                buyer_open_id=biz.get("buyer_open_id"),
                buyer_id=biz.get("buyer_id"),
                notify_url=params.get("notify_url"),
                gmt_create=_now(),
            )
            pay.trades[(app_id, out_trade_no)] = trade
    return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}


@register_method("alipay.trade.query")
def trade_query(state: AlipayState, app_id: str, biz: dict, params: dict) -> dict:
    trade = _trade(state, app_id, biz)
    out = {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade.status,
        "total_amount": trade.total_amount,
        "buyer_open_id": trade.buyer_open_id or "",
    }
    if trade.gmt_payment:
        out.update(
            send_pay_date=trade.gmt_payment, receipt_amount=trade.total_amount, buyer_pay_amount=trade.total_amount
        )
    return out


@register_method("alipay.trade.close")
def trade_close(state: AlipayState, app_id: str, biz: dict, params: dict) -> dict:
    trade = _trade(state, app_id, biz)
    with store(state).lock:
        if trade.status != "WAIT_BUYER_PAY" and trade.status != "TRADE_CLOSED":
            raise AlipayError("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = "TRADE_CLOSED"
    return {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


@register_method("alipay.trade.refund")
def trade_refund(state: AlipayState, app_id: str, biz: dict, params: dict) -> dict:
    trade = _trade(state, app_id, biz)
    amount = _amount(biz.get("refund_amount"), "refund_amount")
    request_no = str(biz.get("out_request_no") or trade.out_trade_no)
    with store(state).lock:
        fund_change = "N"
        if request_no in trade.refunds:
            if Decimal(trade.refunds[request_no]) != amount:
                raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "同一退款请求号金额不一致")
        else:
            if trade.status not in ("TRADE_SUCCESS", "TRADE_FINISHED") and not trade.refunds:
                raise AlipayError("40004", "ACQ.TRADE_NOT_ALLOW_REFUND", "当前交易不允许退款")
            if trade.refunded() + amount > Decimal(trade.total_amount):
                raise AlipayError("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            trade.refunds[request_no] = f"{amount:.2f}"
            fund_change = "Y"
            if trade.refunded() == Decimal(trade.total_amount):
                trade.status = "TRADE_CLOSED"
        refunded = trade.refunded()
    return {
        "code": "10000",
        "msg": "Success",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_open_id": trade.buyer_open_id or "",
        "fund_change": fund_change,
        "refund_fee": f"{refunded:.2f}",
        "gmt_refund_pay": _now(),
    }


@register_method("alipay.trade.fastpay.refund.query")
def refund_query(state: AlipayState, app_id: str, biz: dict, params: dict) -> dict:
    trade = _trade(state, app_id, biz)
    request_no = str(biz.get("out_request_no") or trade.out_trade_no)
    out = {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}
    with store(state).lock:
        amount = trade.refunds.get(request_no)
    if amount is not None:
        out.update(
            out_request_no=request_no,
            refund_status="REFUND_SUCCESS",
            refund_amount=amount,
            total_amount=trade.total_amount,
        )
    return out


# ---------------------------------------------------------------------- paying and notifying


def pay(state: AlipayState, out_trade_no: str, app_id: str | None = None) -> Trade:
    pay_store = store(state)
    with pay_store.lock:
        if app_id is None:
            trade = next((t for (a, no), t in pay_store.trades.items() if no == out_trade_no), None)
        else:
            trade = pay_store.trades.get((app_id, out_trade_no))
        if trade is None:
            raise KeyError(out_trade_no)
        if trade.status == "WAIT_BUYER_PAY":
            trade.status = "TRADE_SUCCESS"
            trade.gmt_payment = _now()
        return trade


def notify_fields(state: AlipayState, trade: Trade, *, sign_with=None, **overrides) -> dict[str, str]:
    """The form Alipay posts to notify_url for `trade`, signed with the Alipay key (or `sign_with`,
    a cryptography private key, for wrong-key tests). `overrides` change fields before signing;
    a value of None drops the field."""
    fields = {
        "notify_time": _now(),
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "app_id": trade.app_id,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade.status,
        "total_amount": trade.total_amount,
        "receipt_amount": trade.total_amount,
        "buyer_pay_amount": trade.total_amount,
        "seller_id": SELLER_ID,
        "gmt_create": trade.gmt_create,
        "gmt_payment": trade.gmt_payment or _now(),
        "subject": trade.subject,
    }
    if trade.buyer_open_id:
        fields["buyer_open_id"] = trade.buyer_open_id
    if trade.buyer_id:
        fields["buyer_id"] = trade.buyer_id
    for key, value in overrides.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    content = sign_content(fields)
    if sign_with is None:
        sign = state.sign(content)
    else:
        import base64

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        sign = base64.b64encode(sign_with.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    fields["sign_type"] = "RSA2"
    fields["sign"] = sign
    return fields


def deliver(state: AlipayState, url: str, fields: dict[str, str]) -> tuple[int, str]:
    try:
        response = requests.post(url, data=fields, timeout=5)
        status, answer = response.status_code, response.text[:200]
    except requests.RequestException as exc:
        status, answer = 0, type(exc).__name__
    pay_store = store(state)
    with pay_store.lock:
        pay_store.deliveries.append({"at": round(time.time(), 3), "url": url, "status": status, "answer": answer})
        del pay_store.deliveries[:-200]
    return status, answer


def install_payment_controls(app: Flask, state: AlipayState) -> None:
    """The "phone" of Alipay payments on the Alipay simulator's Flask app."""

    @app.post("/sandbox/trade/<out_trade_no>/pay")
    def pay_trade(out_trade_no: str):
        try:
            payload = control_payload()
        except ValueError:
            return bad_control("bad JSON")
        try:
            trade = pay(state, out_trade_no, payload.get("app_id"))
        except KeyError:
            return bad_control("unknown out_trade_no (create it with alipay.trade.create first)", 404)
        status = answer = None
        if payload.get("notify", True) not in (False, "false", "0") and trade.notify_url:
            status, answer = deliver(state, trade.notify_url, notify_fields(state, trade))
        return jsonify(
            {"trade_status": trade.status, "trade_no": trade.trade_no, "notify_status": status, "notify_answer": answer}
        )

    @app.get("/sandbox/trade/<out_trade_no>")
    def show_trade(out_trade_no: str):
        pay_store = store(state)
        with pay_store.lock:
            trade = next((t for (a, no), t in pay_store.trades.items() if no == out_trade_no), None)
        if trade is None:
            return bad_control("unknown out_trade_no", 404)
        return jsonify(
            {
                "out_trade_no": trade.out_trade_no,
                "trade_no": trade.trade_no,
                "trade_status": trade.status,
                "total_amount": trade.total_amount,
                "refunds": trade.refunds,
            }
        )
