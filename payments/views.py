"""The provider callback endpoints. Plain Flask views (no schema layer): the body must reach the
verifier byte for byte, and the answer must be exactly what each provider expects. They are in
the OpenAPI document under "Provider callbacks" (`document`), written by hand for that reason."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.web.contract import document_provider_callback, record_provider_docs
from payments import callbacks

bp = Blueprint("payments_notify", __name__)


@bp.post("/payments/notify/wechat")
def wechat_notify():
    status, body = callbacks.handle_wechat(request.headers, request.get_data(cache=False))
    if body is None:
        return Response(status=status)
    response = jsonify(body)
    response.status_code = status
    return response


@bp.post("/payments/notify/alipay")
def alipay_notify():
    answer = callbacks.handle_alipay(request.get_data(cache=False))
    return Response(answer, mimetype="text/plain")


# ---------------------------------------------------------------- OpenAPI

_WECHAT_FAIL = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "enum": ["FAIL"]},
        "message": {"type": "string", "description": "reason, in Chinese"},
    },
}


def _wechat_fail(description: str, message: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _WECHAT_FAIL, "example": {"code": "FAIL", "message": message}}},
    }


_WECHAT_HEADERS = [
    {
        "in": "header",
        "name": name,
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }
    for name, description in (
        ("Wechatpay-Serial", "serial of the platform certificate or `PUB_KEY_ID_…` of the public key that signed"),
        ("Wechatpay-Signature", "base64 SHA256withRSA over `TIMESTAMP\\nNONCE\\nRAW_BODY\\n`"),
        ("Wechatpay-Timestamp", "Unix seconds; refused outside PAYMENT_NOTIFY_WINDOW seconds"),
        ("Wechatpay-Nonce", "random string"),
    )
]

WECHAT_OPERATION = {
    "operationId": "wechatPayNotify",
    "summary": "WeChat Pay v3 payment and refund notification (called by WeChat Pay)",
    "description": (
        "Sent by WeChat Pay to the `notify_url` of an order or refund. The signature is verified over the "
        "raw body with the key named by `Wechatpay-Serial`, the resource decrypted with the APIv3 key, "
        "the raw notification stored and the order settled idempotently (a redelivery is a no-op). "
        "The HTTP status decides for WeChat Pay: 204 means received; anything else makes it retry "
        "(over ~24 h). An authentic notification that names no order of ours, or does not match it "
        "(amount, mchid, appid), is recorded with a payment alarm and answered 204."
    ),
    "parameters": _WECHAT_HEADERS,
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["id", "create_time", "event_type", "resource_type", "resource"],
                    "properties": {
                        "id": {"type": "string", "description": "notification id"},
                        "create_time": {"type": "string", "description": "RFC 3339, Beijing time"},
                        "event_type": {
                            "type": "string",
                            "description": "e.g. TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED",
                        },
                        "resource_type": {"type": "string", "enum": ["encrypt-resource"]},
                        "summary": {"type": "string"},
                        "resource": {
                            "type": "object",
                            "required": ["algorithm", "ciphertext", "nonce"],
                            "properties": {
                                "algorithm": {"type": "string", "enum": ["AEAD_AES_256_GCM"]},
                                "ciphertext": {"type": "string", "description": "base64"},
                                "nonce": {"type": "string"},
                                "associated_data": {"type": "string"},
                                "original_type": {"type": "string", "description": "transaction or refund"},
                            },
                        },
                    },
                },
                "example": {
                    "id": "EV-2018022511223320873",
                    "create_time": "2026-06-08T10:34:56+08:00",
                    "event_type": "TRANSACTION.SUCCESS",
                    "resource_type": "encrypt-resource",
                    "summary": "支付成功",
                    "resource": {
                        "algorithm": "AEAD_AES_256_GCM",
                        "ciphertext": "…",
                        "nonce": "fdasflkja484w",
                        "associated_data": "transaction",
                        "original_type": "transaction",
                    },
                },
            }
        },
    },
    "responses": {
        "204": {"description": "received (settled, a duplicate, ignored, or recorded with an alarm); no body"},
        "401": _wechat_fail("signature, timestamp or decryption refused; nothing changed", "验签失败"),
        "500": _wechat_fail("not processed (WeChat Pay retries); nothing changed", "系统繁忙"),
        "503": _wechat_fail("WeChat Pay is not configured on this deployment", "未配置微信支付"),
    },
}

ALIPAY_OPERATION = {
    "operationId": "alipayNotify",
    "summary": "Alipay asynchronous trade notification (called by Alipay)",
    "description": (
        "Sent by Alipay to the `notify_url` of a trade as a form POST. The RSA2 signature is verified over "
        "all received fields except `sign` and `sign_type`, sorted; the raw notification is stored and "
        "the order settled idempotently (`TRADE_SUCCESS` / `TRADE_FINISHED` are paid). The answer is "
        "always HTTP 200 `text/plain`: `success` when received (also for an authentic notification that "
        "names no order of ours or does not match it: recorded with a payment alarm), `fail` otherwise — "
        "Alipay retries anything but `success` (~8 times over 25 h)."
    ),
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["notify_id", "out_trade_no", "trade_status", "app_id", "sign", "sign_type"],
                    "properties": {
                        "notify_time": {"type": "string", "description": "yyyy-MM-dd HH:mm:ss, Beijing time"},
                        "notify_type": {"type": "string", "example": "trade_status_sync"},
                        "notify_id": {"type": "string"},
                        "app_id": {"type": "string"},
                        "charset": {"type": "string", "example": "utf-8"},
                        "version": {"type": "string", "example": "1.0"},
                        "sign_type": {"type": "string", "enum": ["RSA2"]},
                        "sign": {"type": "string", "description": "base64 SHA256withRSA"},
                        "trade_no": {"type": "string"},
                        "out_trade_no": {"type": "string"},
                        "trade_status": {
                            "type": "string",
                            "enum": ["WAIT_BUYER_PAY", "TRADE_CLOSED", "TRADE_SUCCESS", "TRADE_FINISHED"],
                        },
                        "total_amount": {"type": "string", "description": "yuan, 2 decimals (e.g. 20.00)"},
                        "receipt_amount": {"type": "string", "description": "yuan, 2 decimals"},
                        "buyer_id": {"type": "string"},
                        "buyer_open_id": {"type": "string"},
                        "seller_id": {"type": "string"},
                        "gmt_payment": {"type": "string", "description": "yyyy-MM-dd HH:mm:ss, Beijing time"},
                        "out_biz_no": {"type": "string", "description": "refund notifications: out_request_no"},
                        "refund_fee": {"type": "string", "description": "yuan, 2 decimals"},
                    },
                    "additionalProperties": {"type": "string"},
                },
            }
        },
    },
    "responses": {
        "200": {
            "description": "`success` (received) or `fail` (refused or not processed; Alipay retries)",
            "content": {
                "text/plain": {
                    "schema": {"type": "string", "enum": ["success", "fail"]},
                    "examples": {"received": {"value": "success"}, "refused": {"value": "fail"}},
                }
            },
        }
    },
}


def document(spec, app) -> None:
    document_provider_callback(spec, app, f"{bp.name}.wechat_notify", "post", WECHAT_OPERATION)
    document_provider_callback(spec, app, f"{bp.name}.alipay_notify", "post", ALIPAY_OPERATION)


record_provider_docs(bp, document)
