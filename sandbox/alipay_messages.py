"""Alipay mini-program messages in the simulator: `alipay.open.app.mini.templatemessage.send`.

biz_content: `to_user_id` (2088 + 12 digits) or `to_open_id`, `user_template_id`, `page`, `data`
(JSON text `{"keyword1": {"value": "…"}, …}`) → code 10000 and the message is recorded. Errors
(40004 Business Failed unless noted): USER_NOT_EXIST (no or malformed recipient),
USER_TEMPLATE_ILLEGAL (no template id), INVALID_PARAMETER (page or data malformed; sub_msg names
the field). The real sub_code list is not public in full: these are the sandbox's.

Controls:
- `POST /sandbox/mini-messages/errors` `{"sub_code": "USER_UNSUBSCRIBED", "code"?: "40004",
  "times"?: 1}` — the next send(s) answer that (USER_UNSUBSCRIBED / SUBSCRIBE_QUOTA_EXHAUSTED =
  no consent, like WeChat 43101; `{"code": "20000", "sub_code": "isp.unknow-error"}` = busy).
- `GET  /sandbox/mini-messages?limit=50` — the messages delivered.
- `POST /sandbox/mini-message/hold`, `GET /sandbox/mini-message/received` — see sandbox.messages.
"""

from __future__ import annotations

import json
import re
import secrets
import time

from flask import Flask, jsonify, request

from sandbox.alipay import AlipayError, register_method
from sandbox.common import bad_control, control_payload
from sandbox.messages import hold, register_hold_controls, take_hold

METHOD = "alipay.open.app.mini.templatemessage.send"
USER_ID = re.compile(r"^2088\d{12}$")


@register_method(METHOD)
def templatemessage_send(state, app_id: str, biz: dict, params: dict) -> dict:
    received = {"at": round(time.time(), 3), "app_id": app_id, "outcome": "delivered"}
    received.update({k: biz.get(k) for k in ("to_user_id", "to_open_id", "user_template_id", "page", "data")})
    try:
        return _answer(state, app_id, biz, received)
    except AlipayError as exc:
        if received["outcome"] == "delivered":
            received["outcome"] = f"{exc.code} {exc.sub_code}"
        raise
    finally:
        with state.lock:
            state.mini_message_received.append(received)
            del state.mini_message_received[:-1000]


def _answer(state, app_id: str, biz: dict, received: dict) -> dict:
    seconds = take_hold(state.mini_message_holds, state.lock)
    if seconds and not hold(seconds, request.environ):
        received["outcome"] = "aborted"
        raise AlipayError("20000", "isp.unknow-error", "sender went away (sandbox hold)")
    with state.lock:
        if state.mini_message_errors:
            scripted = state.mini_message_errors[0]
            scripted["times"] -= 1
            if scripted["times"] <= 0:
                state.mini_message_errors.pop(0)
            raise AlipayError(scripted["code"], scripted["sub_code"], "scripted by /sandbox/mini-messages/errors")
    to_user_id, to_open_id = biz.get("to_user_id"), biz.get("to_open_id")
    if not (isinstance(to_user_id, str) and USER_ID.match(to_user_id)) and not (
        isinstance(to_open_id, str) and to_open_id
    ):
        raise AlipayError("40004", "USER_NOT_EXIST", "to_user_id / to_open_id 无效")
    if not isinstance(biz.get("user_template_id"), str) or not biz["user_template_id"]:
        raise AlipayError("40004", "USER_TEMPLATE_ILLEGAL", "模板不存在")
    if not isinstance(biz.get("page"), str) or not biz["page"] or len(biz["page"]) > 128:
        raise AlipayError("40004", "INVALID_PARAMETER", "page 无效")
    try:
        data = json.loads(biz.get("data") or "")
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict) or not data:
        raise AlipayError("40004", "INVALID_PARAMETER", "data 须为JSON对象文本")
    for key, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            raise AlipayError("40004", "INVALID_PARAMETER", f"data.{key}.value 无效")
    message = {
        "app_id": app_id,
        "msg_id": secrets.token_hex(8),
        "at": round(time.time(), 3),
        "to_user_id": to_user_id,
        "to_open_id": to_open_id,
        "user_template_id": biz["user_template_id"],
        "page": biz["page"],
        "data": data,
    }
    with state.lock:
        state.mini_messages.append(message)
    return {"code": "10000", "msg": "Success"}


def register_message_controls(app: Flask, state) -> None:
    @app.post("/sandbox/mini-messages/errors")
    def mini_message_errors():
        try:
            payload = control_payload()
            entry = {
                "code": str(payload.get("code", "40004")),
                "sub_code": str(payload["sub_code"]),
                "times": max(1, int(payload.get("times", 1))),
            }
        except (KeyError, ValueError):
            return bad_control("give sub_code (and code, times)")
        with state.lock:
            state.mini_message_errors.append(entry)
        return jsonify(entry)

    @app.get("/sandbox/mini-messages")
    def mini_messages():
        limit = min(int(request.args.get("limit", 50)), 10000)
        with state.lock:
            return jsonify({"items": list(state.mini_messages[-limit:])})

    register_hold_controls(app, state, "/sandbox/mini-message")
