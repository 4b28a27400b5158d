"""Route pushes from couriers: `POST /delivery/notify/sf`.

The raw body is stored first; the digest (and timestamp window) is checked over the raw
msgData; the routes are applied idempotently; the answer is in SF's exact format. The work and
the commit are in delivery/callbacks.py (views never commit).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.web.contract import document_provider_callback, record_provider_docs
from delivery import callbacks
from delivery.providers.sf import PUSH_OK, push_error

blp = Blueprint("delivery_notify", __name__, url_prefix="/delivery/notify")


@blp.post("/sf")
def sf_route_push():
    """SF Express route push (called by SF Express)"""
    raw = request.get_data(as_text=True)[:20000]  # what we keep of it; the form is parsed in full
    status, answer = callbacks.handle_sf(request.form.to_dict(), raw)
    response = jsonify(answer)
    response.status_code = status
    return response


# ---------------------------------------------------------------- OpenAPI

_SF_ANSWER = {
    "type": "object",
    "required": ["return_code", "return_msg"],
    "properties": {
        "return_code": {
            "type": "string",
            "enum": ["0000", "1000"],
            "description": "0000 received; 1000 SF pushes again",
        },
        "return_msg": {"type": "string", "description": "in Chinese"},
    },
}

SF_OPERATION = {
    "operationId": "sfRoutePush",
    "summary": "SF Express route push (called by SF Express)",
    "description": (
        "Sent by the SF Express open platform (丰桥) as a form POST. `msgDigest` is checked over the raw "
        "`msgData` (`base64(md5(urlencode_utf8(msgData + timestamp + checkWord)))`) and `timestamp` "
        "against SF_PUSH_MAX_AGE seconds; the raw push is stored, then its `WaybillRoute` entries are "
        "applied idempotently (pushes repeat and are incremental; unknown waybills are counted, not refused). "
        "Answers in SF's JSON: `return_code` `0000` when received, `1000` otherwise (SF pushes again)."
    ),
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["msgData", "timestamp", "msgDigest"],
                    "properties": {
                        "partnerID": {"type": "string", "description": "our partner id (顾客编码)"},
                        "requestID": {"type": "string", "description": "uuid"},
                        "serviceCode": {"type": "string", "example": "RoutePushService"},
                        "timestamp": {"type": "string", "description": "Unix milliseconds"},
                        "msgDigest": {"type": "string"},
                        "msgData": {
                            "type": "string",
                            "description": (
                                'JSON text: {"Body": {"WaybillRoute": [{"mailno", "orderid", "acceptTime", '
                                '"acceptAddress", "remark", "opCode"}]}}'
                            ),
                        },
                    },
                }
            }
        },
    },
    "responses": {
        "200": {
            "description": "`0000` received (routes applied); `1000` refused (digest, timestamp or malformed push)",
            "content": {
                "application/json": {
                    "schema": _SF_ANSWER,
                    "examples": {
                        "received": {"value": PUSH_OK},
                        "refused": {"value": push_error("验签失败")},
                    },
                }
            },
        },
        "500": {
            "description": "verified but could not be applied (stored; SF pushes again)",
            "content": {"application/json": {"schema": _SF_ANSWER, "example": push_error("处理失败，请重推")}},
        },
        "503": {
            "description": "the database is unreachable: the platform's error envelope (SF pushes again)",
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
            "x-error-codes": ["DATABASE_UNAVAILABLE"],
        },
    },
}


def document(spec, app) -> None:
    document_provider_callback(spec, app, f"{blp.name}.sf_route_push", "post", SF_OPERATION)


record_provider_docs(blp, document)
