"""WeChat Pay API v3 through wechatpayv3 (JSAPI / mini-program payments, query, close, refund),
and the verification of WeChat Pay callbacks.

Callbacks are verified here rather than with `WeChatPay.callback()`: the SDK returns None on any
failure without saying why, has no timestamp window, and for a serial it does not know downloads
the certificates again — on every forged request. Ours keeps the trusted keys by serial (the
WeChat Pay public key `PUB_KEY_ID_…` and the platform certificates, both at once during a switch),
loaded once per process, and one AES-GCM cipher for the APIv3 key.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import tempfile
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import requests
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import WeChatPay, WeChatPayType

from payments.providers import keys
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

log = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
DEFAULT_API_BASE = "https://api.mch.weixin.qq.com"
TRADE_STATES = {
    "SUCCESS": "paid",
    "REFUND": "refunded",
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "PAYERROR": "pending",
}
REFUND_STATES = {"SUCCESS": "succeeded", "PROCESSING": "processing", "CLOSED": "failed", "ABNORMAL": "failed"}
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


def _rfc3339(value: datetime) -> str:
    return value.replace(tzinfo=UTC).astimezone(BEIJING).isoformat(timespec="seconds")


class WeChatPayGateway:
    """One merchant (mchid) and mini-program appid. Keys are read and checked on construction
    (payments.providers.keys messages); construction makes no network call."""

    channel = "wechat"

    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        private_key: str,
        cert_serial_no: str,
        apiv3_key: str,
        public_key: str = "",
        public_key_id: str = "",
        platform_certs: str = "",
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 10,
        notify_window: int = 300,
    ):
        if not mchid or not appid or not cert_serial_no:
            raise keys.KeyProblem("WECHATPAY_MCHID, WECHATPAY_APPID and WECHATPAY_CERT_SERIAL_NO must all be set")
        pkcs8, merchant = keys.merchant_private_key(private_key)
        self._apiv3_key = keys.apiv3_key(apiv3_key)
        trusted: dict[str, object] = {}
        public_pem = None
        if public_key or public_key_id:
            if not (public_key and public_key_id):
                raise keys.KeyProblem(
                    "WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID go together: set both or neither"
                )
            if not public_key_id.startswith("PUB_KEY_ID_"):
                raise keys.KeyProblem(
                    f"WECHATPAY_PUBLIC_KEY_ID {public_key_id!r} must start with PUB_KEY_ID_ "
                    "(the id shown next to the WeChat Pay public key)"
                )
            public_pem, loaded = keys.public_key(public_key, "WECHATPAY_PUBLIC_KEY")
            keys.check_not_ours(merchant, loaded, "WECHATPAY_PUBLIC_KEY")
            trusted[public_key_id] = loaded
        certs = keys.platform_certificates(platform_certs)
        for serial, cert in certs.items():
            keys.check_not_ours(merchant, cert.public_key(), "WECHATPAY_PLATFORM_CERTS")
            trusted[serial] = cert.public_key()
        if not trusted:
            raise keys.KeyProblem(
                "WeChat Pay needs WECHATPAY_PUBLIC_KEY + WECHATPAY_PUBLIC_KEY_ID or WECHATPAY_PLATFORM_CERTS "
                "to verify its answers and callbacks (both may be set during a switch)"
            )
        self.mchid, self.appid = mchid, appid
        self.notify_window = notify_window
        self._trusted = trusted
        self._aes = AESGCM(self._apiv3_key.encode())
        self._private_key = merchant
        cert_dir = None
        if public_pem is None:
            # Without a public key wechatpayv3 loads certificates from cert_dir, or downloads them
            # from the real gateway in its constructor; give it ours on disk.
            cert_dir = tempfile.mkdtemp(prefix="wechatpay-certs-")
            for serial, cert in certs.items():
                from cryptography.hazmat.primitives import serialization

                with open(f"{cert_dir}/{serial}.pem", "wb") as fh:
                    fh.write(cert.public_bytes(serialization.Encoding.PEM))
        self._sdk = WeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG,
            mchid=mchid,
            private_key=pkcs8,
            cert_serial_no=cert_serial_no,
            appid=appid,
            apiv3_key=self._apiv3_key,
            cert_dir=cert_dir,
            timeout=timeout,
            public_key=public_pem,
            public_key_id=public_key_id or None,
        )
        core = self._sdk._core  # the SDK has no setting for its host or for extra certificates
        core._gate_way = api_base.rstrip("/")
        if public_pem is not None:
            core._certificates.extend(certs.values())

    # ------------------------------------------------------------------ calls

    def _call(self, operation: str, fn, *args, **kwargs) -> tuple[int, dict | None]:
        try:
            code, text = fn(*args, **kwargs)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"{operation}: {type(exc).__name__}") from exc
        except Exception as exc:  # the SDK raises bare Exception for an unverifiable answer
            if "verify the signature" in str(exc) or "algorithm" in str(exc):
                raise ProviderUnavailable(f"{operation}: answer signature not verified") from exc
            raise GatewayError(f"{operation}: {exc}") from exc
        data = None
        if isinstance(text, str) and text:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
        if code >= 500 or code == 429:
            raise ProviderUnavailable(f"{operation}: HTTP {code}", provider_code=(data or {}).get("code"))
        return code, data

    def create(self, order: CreateOrder) -> Prepay:
        """/v3/pay/transactions/jsapi → prepay_id, and the signed wx.requestPayment parameters."""
        code, data = self._call(
            "jsapi",
            self._sdk.pay,
            description=order.description,
            out_trade_no=order.out_trade_no,
            amount={"total": order.amount_fen, "currency": "CNY"},
            payer={"openid": order.payer_id},
            time_expire=_rfc3339(order.expires_at),
            notify_url=order.notify_url,
        )
        if code != 200 or not data or not data.get("prepay_id"):
            error = (data or {}).get("code")
            if error == "ORDERPAID":
                raise OrderPaidAtProvider("jsapi: already paid", provider_code=error)
            raise GatewayError(f"jsapi: HTTP {code} {error}", provider_code=error)
        return Prepay(provider_ref=data["prepay_id"], client_params=self.client_params(data["prepay_id"]))

    def client_params(self, prepay_id: str) -> dict:
        """wx.requestPayment: paySign = SHA256withRSA over `appId\\ntimeStamp\\nnonceStr\\npackage\\n`."""
        timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        pay_sign = self._sdk.sign([self.appid, timestamp, nonce, package])
        return {
            "appId": self.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": pay_sign,
        }

    def query(self, out_trade_no: str) -> TradeState:
        code, data = self._call("query", self._sdk.query, out_trade_no=out_trade_no)
        if code == 404:
            return TradeState(out_trade_no=out_trade_no, state="unknown")
        if code != 200 or not data:
            raise GatewayError(f"query: HTTP {code}", provider_code=(data or {}).get("code"))
        return _trade(data)

    def close(self, out_trade_no: str) -> None:
        code, data = self._call("close", self._sdk.close, out_trade_no=out_trade_no)
        if code in (200, 204):
            return
        error = (data or {}).get("code")
        if error == "ORDERPAID":
            raise OrderPaidAtProvider("close: already paid", provider_code=error)
        if code == 404 or error == "ORDER_NOT_EXIST":
            return  # never reached WeChat Pay: nothing to close
        raise GatewayError(f"close: HTTP {code} {error}", provider_code=error)

    def refund(self, call: RefundCall) -> RefundOutcome:
        """/v3/refund/domestic/refunds; the same out_refund_no again is the same refund."""
        code, data = self._call(
            "refund",
            self._sdk.refund,
            out_refund_no=call.out_refund_no,
            amount={"refund": call.amount_fen, "total": call.total_fen, "currency": "CNY"},
            out_trade_no=call.out_trade_no,
            reason=call.reason,
            notify_url=call.notify_url,
        )
        if code != 200 or not data:
            raise GatewayError(f"refund: HTTP {code}", provider_code=(data or {}).get("code"))
        return _refund(data)

    def query_refund(self, out_refund_no: str) -> RefundOutcome:
        code, data = self._call("query_refund", self._sdk.query_refund, out_refund_no=out_refund_no)
        if code == 404:
            return RefundOutcome(out_refund_no=out_refund_no, state="unknown")
        if code != 200 or not data:
            raise GatewayError(f"query_refund: HTTP {code}", provider_code=(data or {}).get("code"))
        return _refund(data)

    # ------------------------------------------------------------------ callbacks

    def verify(self, headers, body: bytes, *, now: float | None = None) -> Notice:
        """Verify a callback over the raw body and decrypt its resource, or NotificationRejected."""
        serial = headers.get("Wechatpay-Serial", "")
        key = self._trusted.get(serial) or self._trusted.get(serial.upper())
        if key is None:
            raise NotificationRejected("unknown Wechatpay-Serial")
        if headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise NotificationRejected("unsupported signature type")
        timestamp = headers.get("Wechatpay-Timestamp", "")
        nonce = headers.get("Wechatpay-Nonce", "")
        try:
            ts = int(timestamp)
            signature = base64.b64decode(headers.get("Wechatpay-Signature", ""), validate=True)
        except (ValueError, binascii.Error):
            raise NotificationRejected("malformed timestamp or signature") from None
        if abs((now or time.time()) - ts) > self.notify_window:
            raise NotificationRejected("timestamp outside the window")
        message = b"%s\n%s\n%s\n" % (timestamp.encode(), nonce.encode(), body)
        try:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise NotificationRejected("bad signature") from None
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise NotificationRejected("unsupported resource algorithm")
            plaintext = self._aes.decrypt(
                resource["nonce"].encode(),
                base64.b64decode(resource["ciphertext"]),
                (resource.get("associated_data") or "").encode(),
            )
            data = json.loads(plaintext)
        except InvalidTag:
            raise NotificationRejected("resource not decryptable with the APIv3 key") from None
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise NotificationRejected("malformed body") from None
        event_type = str(envelope.get("event_type", ""))
        event_id = str(envelope.get("id", ""))[:64]
        if event_type.startswith("TRANSACTION."):
            return Notice(channel="wechat", kind="payment", event_id=event_id, trade=_trade(data), raw=data)
        if event_type.startswith("REFUND."):
            outcome = _refund(data)
            return Notice(
                channel="wechat",
                kind="refund",
                event_id=event_id,
                out_refund_no=outcome.out_refund_no,
                refund_state=outcome.state,
                provider_refund_id=outcome.provider_refund_id,
                trade=TradeState(
                    out_trade_no=str(data.get("out_trade_no", "")), state="refunded", merchant_id=data.get("mchid")
                ),
                raw=data,
            )
        return Notice(channel="wechat", kind="other", event_id=event_id, raw=data)


def _trade(data: dict) -> TradeState:
    amount = data.get("amount") or {}
    total = amount.get("total")
    return TradeState(
        out_trade_no=str(data.get("out_trade_no", "")),
        state=TRADE_STATES.get(str(data.get("trade_state")), "unknown"),
        amount_fen=total if isinstance(total, int) else None,
        provider_trade_no=data.get("transaction_id"),
        merchant_id=data.get("mchid"),
        app_id=data.get("appid"),
    )


def _refund(data: dict) -> RefundOutcome:
    status = data.get("status") or data.get("refund_status")
    return RefundOutcome(
        out_refund_no=str(data.get("out_refund_no", "")),
        state=REFUND_STATES.get(str(status), "unknown"),
        provider_refund_id=data.get("refund_id"),
    )
