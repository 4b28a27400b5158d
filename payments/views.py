"""The provider callback endpoints. Plain Flask views (no schema layer): the body must reach the
verifier byte for byte, and the answer must be exactly what each provider expects."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

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
