"""WeChat Pay API v3 simulator: the merchant endpoints 掌上办 calls, in the real wire format.

Every request must carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
signature="…",timestamp="…",serial_no="…"` — SHA256withRSA with the merchant key over
`METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`, serial_no the merchant certificate's, the
timestamp within 5 minutes, the nonce unused. Failures answer 401 `{"code":"SIGN_ERROR"}`.
Every answer is signed (`Wechatpay-Signature/-Timestamp/-Nonce/-Serial`) with the WeChat Pay
public key (`mode` "public_key", serial `PUB_KEY_ID_…`) or the platform certificate (`mode`
"platform_cert", serial = the certificate's hex serial), as the real API does during a switch.

Provider endpoints:
- `POST /v3/pay/transactions/jsapi` `{appid, mchid, description, out_trade_no, time_expire?,
  attach?, notify_url, amount{total, currency}, payer{openid}}` → `{"prepay_id"}`. The same
  out_trade_no with the same content answers the same prepay_id; other content → 400
  INVALID_REQUEST; a paid one → 400 ORDERPAID; a closed one → 400 ORDER_CLOSED.
- `GET  /v3/pay/transactions/out-trade-no/{no}?mchid=` → the transaction (trade_state NOTPAY,
  SUCCESS, CLOSED, REFUND); unknown → 404 ORDER_NOT_EXIST.
- `POST /v3/pay/transactions/out-trade-no/{no}/close` `{mchid}` → 204; a paid one → 400 ORDERPAID.
- `POST /v3/refund/domestic/refunds` `{out_trade_no, out_refund_no, reason?, notify_url?,
  amount{refund, total, currency}}` → the refund, status PROCESSING. The same out_refund_no again
  answers the same refund (never a second one); refunds beyond the paid total → 400 NOT_ENOUGH.
- `GET  /v3/refund/domestic/refunds/{out_refund_no}` → the refund; unknown → 404 RESOURCE_NOT_EXISTS.
- `GET  /v3/certificates` → the platform certificate, AES-256-GCM encrypted with the APIv3 key.

Callbacks (to the order's / refund's notify_url): JSON `{id, create_time, event_type
(TRANSACTION.SUCCESS | REFUND.SUCCESS | REFUND.CLOSED | REFUND.ABNORMAL), resource_type
"encrypt-resource", summary, resource{algorithm AEAD_AES_256_GCM, ciphertext, nonce,
associated_data, original_type}}`, signed like the answers.

Controls under `/sandbox` (the "phone" for front-end developers, and test hooks):
- `POST /sandbox/pay/{out_trade_no}` `{"notify"?: true}` — the citizen pays: the order becomes
  SUCCESS and (unless notify is false: a lost callback) the signed callback is sent at once;
  answers `{"trade_state", "transaction_id", "notify_status"}` (our server's HTTP status).
- `POST /sandbox/refunds/{out_refund_no}/finish` `{"status"?: "SUCCESS", "notify"?: true}`.
- `POST /sandbox/mode` `{"mode": "public_key"|"platform_cert"}` — which key signs from now on.
- `POST /sandbox/fail-next` `{"http_status"?, "body"?, "path"?, "times"?}`.
- `GET  /sandbox/orders/{out_trade_no}`, `GET /sandbox/deliveries`, `GET /sandbox/calls`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Response, g, jsonify, request

from sandbox.common import bad_control, control_payload, failure_rule_from_json, install_call_log, take_failure
from sandbox.wechatpay_state import MODES, Order, Refund, WeChatPayState, rfc3339

AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")
AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
WINDOW = 300


class PayError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def create_wechatpay_sandbox(state: WeChatPayState) -> Flask:
    app = Flask("sandbox.wechatpay")
    app.json.ensure_ascii = False

    def summarise(response: Response) -> dict:
        entry = {"mchid": g.get("mchid")}
        if response.status_code >= 400:
            try:
                entry["code"] = json.loads(response.get_data(as_text=True)).get("code")
            except ValueError:
                pass
        return entry

    install_call_log(app, state.calls, summarise)

    def signed(payload: dict | None, status: int = 200) -> Response:
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        headers = state.signed_headers(body)
        response = Response(body, status=status, headers=headers)
        if payload is not None:
            response.content_type = "application/json; charset=utf-8"
        return response

    @app.errorhandler(PayError)
    def pay_error(exc: PayError):
        return signed({"code": exc.code, "message": exc.message}, exc.status)

    def authenticate() -> str:
        match = AUTH.match(request.headers.get("Authorization", ""))
        if not match:
            raise PayError(401, "SIGN_ERROR", "缺少或无法识别的Authorization头")
        fields = dict(AUTH_FIELD.findall(match.group(1)))
        mchid = fields.get("mchid", "")
        g.mchid = mchid
        merchant = state.merchants.get(mchid)
        if merchant is None:
            raise PayError(401, "SIGN_ERROR", "商户号不存在")
        public_key, serial = merchant[0], merchant[1]
        if fields.get("serial_no", "").upper() != serial.upper():
            raise PayError(401, "SIGN_ERROR", "商户证书序列号有误")
        try:
            ts = int(fields.get("timestamp", ""))
        except ValueError:
            raise PayError(401, "SIGN_ERROR", "timestamp 无效") from None
        if abs(time.time() - ts) > WINDOW:
            raise PayError(401, "SIGN_ERROR", "请求已过期（timestamp 超出5分钟）")
        nonce = fields.get("nonce_str", "")
        target = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
        message = f"{request.method}\n{target}\n{ts}\n{nonce}\n{request.get_data(as_text=True)}\n"
        try:
            public_key.verify(
                base64.b64decode(fields.get("signature", ""), validate=True),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            raise PayError(401, "SIGN_ERROR", "签名错误，请检查后再试") from None
        with state.lock:
            if nonce in state.seen_nonces:
                raise PayError(401, "SIGN_ERROR", "重复的请求（nonce 已使用）")
            state.seen_nonces.add(nonce)
        return mchid

    @app.before_request
    def scripted_failure():
        if request.path.startswith("/sandbox"):
            return None
        rule = take_failure(state.failures, state.lock, request.path)
        if rule is None:
            return None
        if rule.body is not None or rule.http_status != 200:
            return Response(rule.body or "", status=rule.http_status, content_type="text/plain")
        return None

    def body() -> dict:
        try:
            data = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise PayError(400, "PARAM_ERROR", "请求体不是合法的JSON") from None
        if not isinstance(data, dict):
            raise PayError(400, "PARAM_ERROR", "请求体不是JSON对象")
        return data

    @app.post("/v3/pay/transactions/jsapi")
    def jsapi():
        mchid = authenticate()
        data = body()
        if data.get("mchid") != mchid:
            raise PayError(400, "PARAM_ERROR", "mchid与请求头中的商户号不一致")
        if data.get("appid") not in state.merchants[mchid][3]:
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        out_trade_no = data.get("out_trade_no")
        if not isinstance(out_trade_no, str) or not OUT_TRADE_NO.match(out_trade_no):
            raise PayError(400, "PARAM_ERROR", "out_trade_no 须为6-32位字母、数字、_-|*")
        description = data.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 127:
            raise PayError(400, "PARAM_ERROR", "description 长度须为1-127")
        amount = data.get("amount") or {}
        total = amount.get("total")
        if not isinstance(total, int) or total <= 0 or amount.get("currency", "CNY") != "CNY":
            raise PayError(400, "PARAM_ERROR", "amount.total 须为正整数（分），currency CNY")
        openid = (data.get("payer") or {}).get("openid")
        if not isinstance(openid, str) or not openid:
            raise PayError(400, "PARAM_ERROR", "payer.openid 缺失")
        notify_url = data.get("notify_url")
        if not isinstance(notify_url, str) or not notify_url.startswith(("https://", "http://")) or "?" in notify_url:
            raise PayError(400, "PARAM_ERROR", "notify_url 须为不带参数的URL")
        key = (mchid, out_trade_no)
        with state.lock:
            order = state.orders.get(key)
            if order is not None:
                if order.state == "SUCCESS":
                    raise PayError(400, "ORDERPAID", "该订单已支付")
                if order.state == "CLOSED":
                    raise PayError(400, "ORDER_CLOSED", "该订单已关闭")
                if (order.total, order.openid, order.appid, order.description) != (
                    total,
                    openid,
                    data["appid"],
                    description,
                ):
                    raise PayError(400, "INVALID_REQUEST", "201 商户订单号重复（参数与原单不一致）")
                return signed({"prepay_id": order.prepay_id})
            order = Order(
                appid=data["appid"],
                mchid=mchid,
                out_trade_no=out_trade_no,
                description=description,
                total=total,
                openid=openid,
                notify_url=notify_url,
                time_expire=data.get("time_expire"),
                attach=data.get("attach"),
                prepay_id="wx" + secrets.token_hex(15),
                created=time.time(),
            )
            state.orders[key] = order
        return signed({"prepay_id": order.prepay_id})

    def order_of(mchid: str, out_trade_no: str) -> Order:
        with state.lock:
            order = state.orders.get((mchid, out_trade_no))
        if order is None:
            raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
        return order

    @app.get("/v3/pay/transactions/out-trade-no/<out_trade_no>")
    def query(out_trade_no: str):
        mchid = authenticate()
        if request.args.get("mchid") != mchid:
            raise PayError(400, "PARAM_ERROR", "mchid 缺失或与请求头不一致")
        return signed(order_of(mchid, out_trade_no).transaction())

    @app.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close")
    def close(out_trade_no: str):
        mchid = authenticate()
        if body().get("mchid") != mchid:
            raise PayError(400, "PARAM_ERROR", "mchid 缺失或与请求头不一致")
        order = order_of(mchid, out_trade_no)
        with state.lock:
            if order.state in ("SUCCESS", "REFUND"):
                raise PayError(400, "ORDERPAID", "订单已支付，不能关闭")
            order.state = "CLOSED"
        return signed(None, 204)

    @app.post("/v3/refund/domestic/refunds")
    def refund():
        mchid = authenticate()
        data = body()
        out_refund_no = data.get("out_refund_no")
        if not isinstance(out_refund_no, str) or not OUT_REFUND_NO.match(out_refund_no):
            raise PayError(400, "PARAM_ERROR", "out_refund_no 无效")
        amount = data.get("amount") or {}
        refund_fen, total = amount.get("refund"), amount.get("total")
        if not all(isinstance(v, int) and v > 0 for v in (refund_fen, total)):
            raise PayError(400, "PARAM_ERROR", "amount.refund / amount.total 须为正整数（分）")
        with state.lock:
            existing = state.refunds.get((mchid, out_refund_no))
            if existing is not None:
                return signed(existing.answer(mchid))
            order = order_of(mchid, str(data.get("out_trade_no", "")))
            if order.state not in ("SUCCESS", "REFUND"):
                raise PayError(400, "INVALID_REQUEST", "订单未支付，不能退款")
            if total != order.total:
                raise PayError(400, "PARAM_ERROR", "amount.total 与原订单金额不一致")
            refunded = sum(
                r.refund
                for r in state.refunds.values()
                if r.out_trade_no == order.out_trade_no and r.status != "CLOSED"
            )
            if refunded + refund_fen > order.total:
                raise PayError(403, "NOT_ENOUGH", "可退款金额不足")
            record = Refund(
                out_refund_no=out_refund_no,
                refund_id="50300" + secrets.token_hex(12),
                out_trade_no=order.out_trade_no,
                transaction_id=order.transaction_id or "",
                refund=refund_fen,
                total=total,
                notify_url=data.get("notify_url"),
                reason=data.get("reason"),
                created=time.time(),
            )
            state.refunds[(mchid, out_refund_no)] = record
            order.state = "REFUND"
        if state.auto_notify_refunds:
            state.notify_refund_later(record, mchid)
        return signed(record.answer(mchid))

    @app.get("/v3/refund/domestic/refunds/<out_refund_no>")
    def refund_query(out_refund_no: str):
        mchid = authenticate()
        with state.lock:
            record = state.refunds.get((mchid, out_refund_no))
        if record is None:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return signed(record.answer(mchid))

    @app.get("/v3/certificates")
    def certificates():
        mchid = authenticate()
        nonce = secrets.token_hex(6)
        aes = AESGCM(state.apiv3_key(mchid).encode())
        ciphertext = aes.encrypt(nonce.encode(), state.keys.platform_cert_pem.encode(), b"certificate")
        cert = state.keys.platform_cert
        return signed(
            {
                "data": [
                    {
                        "serial_no": state.keys.platform_serial,
                        "effective_time": rfc3339(cert.not_valid_before_utc.timestamp()),
                        "expire_time": rfc3339(cert.not_valid_after_utc.timestamp()),
                        "encrypt_certificate": {
                            "algorithm": "AEAD_AES_256_GCM",
                            "nonce": nonce,
                            "associated_data": "certificate",
                            "ciphertext": base64.b64encode(ciphertext).decode(),
                        },
                    }
                ]
            }
        )

    register_controls(app, state)
    return app


def register_controls(app: Flask, state: WeChatPayState) -> None:
    def merchant_arg() -> str:
        return request.args.get("mchid") or next(iter(state.merchants))

    @app.post("/sandbox/pay/<out_trade_no>")
    def pay(out_trade_no: str):
        try:
            payload = control_payload()
        except ValueError:
            return bad_control("bad JSON")
        mchid = str(payload.get("mchid") or merchant_arg())
        try:
            order = state.pay(out_trade_no, mchid=mchid)
        except KeyError:
            return bad_control("unknown out_trade_no (create it with /v3/pay/transactions/jsapi first)", 404)
        status = None
        if payload.get("notify", True) not in (False, "false", "0"):
            status = state.deliver(order.notify_url, *state.transaction_notification(order))
        return jsonify({"trade_state": order.state, "transaction_id": order.transaction_id, "notify_status": status})

    @app.post("/sandbox/refunds/<out_refund_no>/finish")
    def finish_refund(out_refund_no: str):
        try:
            payload = control_payload()
        except ValueError:
            return bad_control("bad JSON")
        mchid = str(payload.get("mchid") or merchant_arg())
        try:
            record = state.finish_refund(out_refund_no, mchid=mchid, status=str(payload.get("status", "SUCCESS")))
        except KeyError:
            return bad_control("unknown out_refund_no", 404)
        status = None
        if payload.get("notify", True) not in (False, "false", "0") and record.notify_url:
            status = state.deliver(record.notify_url, *state.refund_notification(record, mchid=mchid))
        return jsonify({"status": record.status, "notify_status": status})

    @app.post("/sandbox/mode")
    def mode():
        try:
            wanted = control_payload().get("mode")
        except ValueError:
            wanted = None
        if wanted not in MODES:
            return bad_control(f"mode must be one of {MODES}")
        state.mode = wanted
        return jsonify({"mode": wanted})

    @app.get("/sandbox/orders/<out_trade_no>")
    def show_order(out_trade_no: str):
        with state.lock:
            order = state.orders.get((merchant_arg(), out_trade_no))
        if order is None:
            return bad_control("unknown out_trade_no", 404)
        return jsonify(order.transaction())

    @app.post("/sandbox/fail-next")
    def fail_next():
        try:
            rule = failure_rule_from_json(control_payload())
        except ValueError as exc:
            return bad_control(str(exc))
        with state.lock:
            state.failures.append(rule)
        return jsonify({"path": rule.path_prefix, "times": rule.times})

    @app.get("/sandbox/deliveries")
    def deliveries():
        with state.lock:
            return jsonify({"items": list(reversed(state.deliveries))})

    @app.get("/sandbox/calls")
    def calls():
        limit = min(int(request.args.get("limit", 50)), 500)
        return jsonify({"items": state.calls.recent(limit)})
