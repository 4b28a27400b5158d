"""Alipay payments through alipay-sdk-python (alipay.trade.create / query / close / refund /
fastpay.refund.query), and the verification of Alipay's async notify.

The notify is verified here with `cryptography` and the Alipay public key loaded once per process
(the SDK's `verify_with_rsa` re-parses the PEM and verifies in pure Python on every call): RSA2
over every received field but `sign` and `sign_type`, sorted by key, `k=v&…`, values as received.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import logging
from datetime import UTC
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from alipay.aop.api.domain.AlipayTradeCloseModel import AlipayTradeCloseModel
from alipay.aop.api.domain.AlipayTradeCreateModel import AlipayTradeCreateModel
from alipay.aop.api.domain.AlipayTradeFastpayRefundQueryModel import AlipayTradeFastpayRefundQueryModel
from alipay.aop.api.domain.AlipayTradeQueryModel import AlipayTradeQueryModel
from alipay.aop.api.domain.AlipayTradeRefundModel import AlipayTradeRefundModel
from alipay.aop.api.exception.Exception import RequestException as SdkRequestError
from alipay.aop.api.exception.Exception import ResponseException as SdkResponseError
from alipay.aop.api.request.AlipayTradeCloseRequest import AlipayTradeCloseRequest
from alipay.aop.api.request.AlipayTradeCreateRequest import AlipayTradeCreateRequest
from alipay.aop.api.request.AlipayTradeFastpayRefundQueryRequest import AlipayTradeFastpayRefundQueryRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest
from alipay.aop.api.response.AlipayTradeCloseResponse import AlipayTradeCloseResponse
from alipay.aop.api.response.AlipayTradeCreateResponse import AlipayTradeCreateResponse
from alipay.aop.api.response.AlipayTradeFastpayRefundQueryResponse import AlipayTradeFastpayRefundQueryResponse
from alipay.aop.api.response.AlipayTradeQueryResponse import AlipayTradeQueryResponse
from alipay.aop.api.response.AlipayTradeRefundResponse import AlipayTradeRefundResponse
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from app.clients.alipay import build_client, sdk_shim
from app.clients.errors import ProviderNotConfigured
from payments.providers.base import (
    CreateOrder,
    GatewayError,
    Notice,
    NotificationRejected,
    OrderPaidAtProvider,
    Prepay,
    ProviderUnavailable,
    RefundCall,
    RefundOutcome,
    TradeState,
)
from payments.providers.keys import KeyProblem

log = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
SUCCESS = "10000"
TRADE_STATES = {
    "TRADE_SUCCESS": "paid",
    "TRADE_FINISHED": "paid",
    "WAIT_BUYER_PAY": "pending",
    "TRADE_CLOSED": "closed",
}


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def fen(value) -> int | None:
    """Alipay amounts are yuan with at most two decimals; anything else is None."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    cents = amount * 100
    if cents != cents.to_integral_value():
        return None
    return int(cents)


class AlipayPayGateway:
    channel = "alipay"

    def __init__(
        self, *, app_id: str, app_private_key: str, alipay_public_key: str, server_url: str, timeout: int = 10
    ):
        if not app_id:
            raise KeyProblem("ALIPAY_APP_ID is empty")
        try:
            self._client, public_pem = build_client(
                app_id=app_id,
                app_private_key=app_private_key,
                alipay_public_key=alipay_public_key,
                server_url=server_url,
                timeout=timeout,
            )
        except ProviderNotConfigured as exc:
            raise KeyProblem(str(exc)) from exc
        self.app_id = app_id
        self._public_key = serialization.load_pem_public_key(public_pem.encode())

    # ------------------------------------------------------------------ calls

    def _execute(self, request, response, operation: str):
        try:
            raw = self._client.execute(request)
        except sdk_shim.HttpStatusError as exc:
            raise ProviderUnavailable(f"{operation}: HTTP {exc.status}") from exc
        except SdkResponseError as exc:
            raise ProviderUnavailable(f"{operation}: answer signature not verified") from exc
        except (SdkRequestError, OSError, http.client.HTTPException) as exc:
            raise ProviderUnavailable(f"{operation}: {type(exc).__name__}") from exc
        try:
            response.parse_response_content(raw)
        except (ValueError, TypeError) as exc:
            raise ProviderUnavailable(f"{operation}: answer is not a JSON object") from exc
        if response.code == SUCCESS and not response.sub_code:
            return response
        code, sub_code = response.code, response.sub_code or ""
        detail = f"{operation}: {code} {sub_code} {response.sub_msg or ''}".strip()
        if code == "20000" or sub_code.startswith("isp.") or sub_code.endswith("SYSTEM_ERROR"):
            raise ProviderUnavailable(detail, provider_code=sub_code or code)
        if sub_code == "ACQ.TRADE_HAS_SUCCESS" or sub_code == "ACQ.TRADE_STATUS_ERROR":
            raise OrderPaidAtProvider(detail, provider_code=sub_code)
        raise GatewayError(detail, provider_code=sub_code or code)

    def create(self, order: CreateOrder) -> Prepay:
        model = AlipayTradeCreateModel()
        model.out_trade_no = order.out_trade_no
        model.total_amount = yuan(order.amount_fen)
        model.subject = order.description
        model.product_code = "JSAPI_PAY"
        if order.payer_id.startswith("2088") and order.payer_id.isdigit():
            model.buyer_id = order.payer_id
        else:
            model.buyer_open_id = order.payer_id
        model.time_expire = order.expires_at.replace(tzinfo=UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        request = AlipayTradeCreateRequest(biz_model=model)
        request.notify_url = order.notify_url
        response = self._execute(request, AlipayTradeCreateResponse(), "trade.create")
        if not response.trade_no:
            raise ProviderUnavailable("trade.create: no trade_no in the answer")
        return Prepay(provider_ref=response.trade_no, client_params={"tradeNO": response.trade_no})

    def query(self, out_trade_no: str) -> TradeState:
        model = AlipayTradeQueryModel()
        model.out_trade_no = out_trade_no
        try:
            response = self._execute(AlipayTradeQueryRequest(biz_model=model), AlipayTradeQueryResponse(), "query")
        except GatewayError as exc:
            if exc.provider_code == "ACQ.TRADE_NOT_EXIST":
                return TradeState(out_trade_no=out_trade_no, state="unknown")
            raise
        return TradeState(
            out_trade_no=out_trade_no,
            state=TRADE_STATES.get(response.trade_status or "", "unknown"),
            amount_fen=fen(response.total_amount),
            provider_trade_no=response.trade_no,
            app_id=self.app_id,
        )

    def close(self, out_trade_no: str) -> None:
        model = AlipayTradeCloseModel()
        model.out_trade_no = out_trade_no
        try:
            self._execute(AlipayTradeCloseRequest(biz_model=model), AlipayTradeCloseResponse(), "close")
        except GatewayError as exc:
            if exc.provider_code == "ACQ.TRADE_NOT_EXIST":
                return
            raise

    def refund(self, call: RefundCall) -> RefundOutcome:
        """Synchronous: fund_change Y = refunded now; N = nothing moved by this call (a repeat of
        the same out_request_no, or refunded before) — confirmed with fastpay.refund.query."""
        model = AlipayTradeRefundModel()
        model.out_trade_no = call.out_trade_no
        model.refund_amount = yuan(call.amount_fen)
        model.out_request_no = call.out_refund_no
        model.refund_reason = call.reason
        response = self._execute(AlipayTradeRefundRequest(biz_model=model), AlipayTradeRefundResponse(), "refund")
        if response.fund_change == "Y":
            return RefundOutcome(
                out_refund_no=call.out_refund_no, state="succeeded", provider_refund_id=response.trade_no
            )
        return self.query_refund(call.out_refund_no, out_trade_no=call.out_trade_no)

    def query_refund(self, out_refund_no: str, *, out_trade_no: str) -> RefundOutcome:
        model = AlipayTradeFastpayRefundQueryModel()
        model.out_trade_no = out_trade_no
        model.out_request_no = out_refund_no
        response = self._execute(
            AlipayTradeFastpayRefundQueryRequest(biz_model=model),
            AlipayTradeFastpayRefundQueryResponse(),
            "refund.query",
        )
        if response.refund_status == "REFUND_SUCCESS":
            return RefundOutcome(out_refund_no=out_refund_no, state="succeeded", provider_refund_id=response.trade_no)
        return RefundOutcome(out_refund_no=out_refund_no, state="unknown")

    # ------------------------------------------------------------------ notify

    def verify(self, body: bytes) -> Notice:
        """Verify the form body of an async notify, or NotificationRejected."""
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise NotificationRejected("malformed form body") from None
        sign = fields.get("sign", "")
        if fields.get("sign_type", "RSA2") != "RSA2" or not sign:
            raise NotificationRejected("missing signature or not RSA2")
        content = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k not in ("sign", "sign_type"))
        try:
            self._public_key.verify(
                base64.b64decode(sign, validate=True), content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, binascii.Error, ValueError):
            raise NotificationRejected("bad signature") from None
        trade = TradeState(
            out_trade_no=fields.get("out_trade_no", ""),
            state=TRADE_STATES.get(fields.get("trade_status", ""), "unknown"),
            amount_fen=fen(fields.get("total_amount")),
            provider_trade_no=fields.get("trade_no"),
            app_id=fields.get("app_id"),
            merchant_id=fields.get("seller_id"),
        )
        kind = "payment" if fields.get("notify_type", "trade_status_sync") == "trade_status_sync" else "other"
        return Notice(channel="alipay", kind=kind, event_id=fields.get("notify_id", "")[:64], trade=trade, raw=fields)
