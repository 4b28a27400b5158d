"""The flask-smorest Api with the platform's one error envelope.

Every error — a domain error, an HTTP error raised by Flask or webargs, an unknown route, an
unexpected exception — leaves as
`{"code", "status", "error", "message", "errors"}` (architecture.md, point 4).
"""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import g, jsonify
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from app.clients.errors import ProviderError
from app.errors import DomainError

log = logging.getLogger(__name__)

# Stable English code and the citizen's Chinese message per HTTP status.
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "请求格式有误"),
    401: ("UNAUTHENTICATED", "请先登录"),
    403: ("FORBIDDEN", "无权访问"),
    404: ("NOT_FOUND", "请求的内容不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方式"),
    406: ("NOT_ACCEPTABLE", "不支持请求的内容格式"),
    409: ("CONFLICT", "操作与当前状态冲突，请刷新后重试"),
    412: ("PRECONDITION_FAILED", "内容已变化，请刷新后重试"),
    413: ("PAYLOAD_TOO_LARGE", "提交的内容过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型"),
    422: ("VALIDATION_ERROR", "提交的信息有误，请检查后重试"),
    428: ("PRECONDITION_REQUIRED", "请求缺少必要的条件头"),
    429: ("RATE_LIMITED", "操作过于频繁，请稍后再试"),
    500: ("INTERNAL_ERROR", "系统繁忙，请稍后再试"),
    503: ("SERVICE_UNAVAILABLE", "服务暂时不可用，请稍后再试"),
}


class ErrorEnvelopeSchema(ma.Schema):
    code = ma.fields.Integer(metadata={"description": "HTTP status"})
    status = ma.fields.String(metadata={"description": "HTTP status name"})
    error = ma.fields.String(metadata={"description": "stable English error code"})
    message = ma.fields.String(metadata={"description": "message for the citizen, in Chinese"})
    errors = ma.fields.Dict(metadata={"description": "field errors, keyed by location and field"})


def envelope(status: int, error: str | None = None, message: str | None = None, errors: dict | None = None):
    default_error, default_message = HTTP_ERRORS.get(status, (f"HTTP_{status}", "请求失败"))
    body = {
        "code": status,
        "status": HTTP_STATUS_CODES.get(status, "Unknown"),
        "error": error or default_error,
        "message": message or default_message,
        "errors": errors or {},
    }
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    response = jsonify(body)
    response.status_code = status
    return response


class StrictParser(FlaskParser):
    """Unknown query parameters are errors too (webargs excludes them by default)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }


class PlatformApi(Api):
    ERROR_SCHEMA = ErrorEnvelopeSchema

    def _register_error_handlers(self):
        app = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(DomainError, handle_domain_error)
        app.register_error_handler(ProviderError, handle_gateway_error)
        app.register_error_handler(Exception, handle_unexpected)

    def handle_http_exception(self, error):
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        response = envelope(error.code or 500, data.get("error"), data.get("message"), errors)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response


def handle_domain_error(error: DomainError):
    response = envelope(error.http_status, error.error, error.message, error.errors)
    # e.g. Retry-After on RateLimited (app.ratelimit)
    for name, value in (getattr(error, "headers", None) or {}).items():
        response.headers[name] = value
    return response


def handle_gateway_error(error: ProviderError):
    """A provider failure (app.clients.errors.ProviderError): its stable code and Chinese message.
    The provider's own detail stays out of the response and the log (it may echo personal data)."""
    log.warning(
        "provider error %s",
        error.error,
        extra={"provider_code": error.provider_code, "retryable": error.retryable},
    )
    return envelope(error.http_status, error.error, error.message)


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):  # pragma: no cover - routed to the HTTP handler first
        return envelope(error.code or 500)
    # The traceback is logged; the citizen only sees the generic message and the request id.
    log.exception("unhandled error", extra={"request_id": getattr(g, "request_id", None)})
    return envelope(InternalServerError.code)


class PlatformBlueprint(Blueprint):
    """Every blueprint of the platform parses arguments strictly (unknown fields are 422)."""

    ARGUMENTS_PARSER = StrictParser()
