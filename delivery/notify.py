"""Route pushes from couriers: `POST /delivery/notify/sf`.

The raw body is stored first; the digest (and timestamp window) is checked over the raw
msgData; the routes are applied idempotently; the answer is in SF's exact format. An error
answer makes SF push again later, so only a push we could not verify or could not store gets one.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from app.extensions import db
from app.web.contract import document_provider_callback, record_provider_docs
from delivery import tracking
from delivery.models import RoutePush
from delivery.providers import sf_from_config
from delivery.providers.base import PushRejected
from delivery.providers.sf import PUSH_OK, push_error

log = logging.getLogger(__name__)

blp = Blueprint("delivery_notify", __name__, url_prefix="/delivery/notify")


def _store(body: str, *, verified: bool, outcome: str) -> None:
    db.session.add(RoutePush(provider="sf", body=body, verified=verified, outcome=outcome[:64]))
    db.session.commit()


_MESSAGES = {"digest": "验签失败", "timestamp": "时间戳超出允许范围"}


@blp.post("/sf")
def sf_route_push():
    raw = request.get_data(as_text=True)[:20000]  # what we keep of it; the form is parsed in full
    try:
        batch = sf_from_config().parse_push(request.form.to_dict())
    except PushRejected as exc:
        log.warning("SF route push refused: %s", exc)
        _store(raw, verified=False, outcome=f"refused: {exc}")
        return jsonify(push_error(_MESSAGES.get(exc.reason, "报文有误")))
    try:
        result = tracking.apply_routes(batch.routes, courier_name="sf", source="push", commit=False)
        # the raw push with the routes it brought, in one transaction
        db.session.add(
            RoutePush(
                provider="sf",
                body=raw,
                verified=True,
                outcome=f"added {result['added']} unknown {result['unknown']}",
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("SF route push could not be applied")
        _store(raw, verified=True, outcome="error")
        return jsonify(push_error("处理失败，请重推")), 500
    return jsonify(PUSH_OK)


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
