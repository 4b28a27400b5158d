"""The flask-smorest Api with the platform's one error envelope.

Every error — a domain error, an HTTP error raised by Flask or webargs, an unknown route, an
unreachable database, an unexpected exception — leaves as
`{"code", "status", "error", "message", "errors", "request_id"}` (+ `details` when the error
carries facts), architecture.md point 4. `errors` has one shape everywhere (app.web.field_errors);
the statuses and codes each operation declares come from app.web.contract.
"""

from __future__ import annotations

import logging
import uuid

import marshmallow as ma
from flask import current_app, g, has_request_context, jsonify
from flask_smorest import Api, Blueprint
from sqlalchemy import exc as sa_exc
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import IntegerConverter, ValidationError

from app.clients.errors import ProviderError
from app.errors import DomainError
from app.web import contract, field_errors

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
    410: ("GONE", "内容已失效"),
    412: ("PRECONDITION_FAILED", "内容已变化，请刷新后重试"),
    413: ("PAYLOAD_TOO_LARGE", "提交的内容过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型"),
    422: ("VALIDATION_ERROR", "提交的信息有误，请检查后重试"),
    428: ("PRECONDITION_REQUIRED", "请求缺少必要的条件头"),
    429: ("RATE_LIMITED", "操作过于频繁，请稍后再试"),
    500: ("INTERNAL_ERROR", "系统繁忙，请稍后再试"),
    503: ("SERVICE_UNAVAILABLE", "服务暂时不可用，请稍后再试"),
}


# Seconds a client should wait after 503 DATABASE_UNAVAILABLE.
DATABASE_RETRY_AFTER = 5
# SQLAlchemy errors that mean "the database cannot be reached / lost the connection / is busy
# beyond waiting" (psycopg and sqlite3 OperationalError, a dropped connection, pool exhaustion).
DATABASE_UNAVAILABLE_ERRORS = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


class ErrorEnvelopeSchema(ma.Schema):
    """The one error body of every API and every error status."""

    class Meta:
        description = (
            "The one error body of every API and every error status (4xx and 5xx).\n\n"
            "- `error`: a stable English code to switch on (each response lists the codes it can carry "
            "in its description and in `x-error-codes`); codes are never removed, new ones may appear.\n"
            "- `message`: one Chinese sentence to show the citizen.\n"
            "- `errors`: field errors, always an object (empty when none): a dotted field path → a list "
            'of Chinese messages, e.g. `{"mobile": ["请输入11位手机号码"], "form.address.county": '
            '["区县：此项为必填项"], "materials.0": ["身份证：尚未提供"]}`. Paths name body, query '
            "or upload fields without their location; list items by index; `_schema` holds errors about "
            "the body as a whole.\n"
            "- `details`: machine-readable facts some errors add (e.g. `retry_after` seconds on 429, "
            "`remaining_attempts`, `status.current`, and `auth.required_level` / `auth.current_level` / "
            "`auth.fresh` / `auth.max_age` on 403 `STEP_UP_REQUIRED`); absent when there are none.\n"
            "- `request_id`: the request's id (also the `X-Request-ID` header); quote it to support.\n\n"
            "Besides what each operation declares, any path answers 405 `METHOD_NOT_ALLOWED` (with `Allow`) "
            "to a method it does not have, and a path that matches no route 404 `NOT_FOUND`."
        )

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status", "example": 422})
    status = ma.fields.String(
        required=True, metadata={"description": "HTTP status name", "example": "Unprocessable Entity"}
    )
    error = ma.fields.String(
        required=True, metadata={"description": "stable English error code", "example": "VALIDATION_ERROR"}
    )
    message = ma.fields.String(
        required=True,
        metadata={"description": "message for the citizen, in Chinese", "example": "提交的信息有误，请检查后重试"},
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        required=True,
        metadata={
            "description": "field errors: dotted field path → Chinese messages (`_schema`: the body as a whole)",
            "example": {"mobile": ["请输入11位手机号码"]},
        },
    )
    details = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "machine-readable facts about the error (see the schema description)"},
    )
    request_id = ma.fields.String(
        required=True,
        metadata={"description": "id of the request (the X-Request-ID header)", "example": "3f2a9c1e0b7d4e6f"},
    )


def _request_id() -> str:
    if not has_request_context():
        return uuid.uuid4().hex
    request_id = g.get("request_id")
    if not request_id:
        request_id = g.request_id = uuid.uuid4().hex
    return request_id


def envelope(
    status: int,
    error: str | None = None,
    message: str | None = None,
    errors=None,
    *,
    details: dict | None = None,
    extra: dict | None = None,
):
    """The error response. `errors` may come in any shape webargs, marshmallow or a domain error
    gives it: it is normalised here (app.web.field_errors), facts moving to `details`."""
    default_error, default_message = HTTP_ERRORS.get(status, (f"HTTP_{status}", "请求失败"))
    field_messages, facts = field_errors.normalise(errors)
    if details:
        facts = {**facts, **details}
    body = {
        "code": status,
        "status": HTTP_STATUS_CODES.get(status, "Unknown"),
        "error": error or default_error,
        "message": message or default_message,
        "errors": field_messages,
    }
    if facts:
        body["details"] = facts
    body["request_id"] = _request_id()
    if extra:
        body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` path ids: 0 … 2^31-1, the range of the database's integer id columns (INTEGER on
    PostgreSQL). Anything longer or larger does not match the route, so it is a 404 envelope
    instead of an OverflowError (SQLite, ≥ 2^63) or "integer out of range" (PostgreSQL, ≥ 2^31)."""

    MAX = 2**31 - 1

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", self.MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        if len(value) > 10:  # also keeps int() away from huge digit strings
            raise ValidationError()
        return super().to_python(value)


class StrictParser(FlaskParser):
    """Unknown query parameters are errors too (webargs excludes them by default)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }


class PlatformApi(Api):
    ERROR_SCHEMA = ErrorEnvelopeSchema

    def init_app(self, app, *args, **kwargs):
        # before any blueprint adds a rule: every `<int:…>` is bounded to the ids' column range
        app.url_map.converters["int"] = BoundedIntConverter
        super().init_app(app, *args, **kwargs)

    def _register_error_handlers(self):
        app = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(DomainError, handle_domain_error)
        app.register_error_handler(ProviderError, handle_gateway_error)
        for cls in DATABASE_UNAVAILABLE_ERRORS:
            app.register_error_handler(cls, handle_database_unavailable)
        app.register_error_handler(sa_exc.DataError, handle_data_error)
        # SQLite's driver refuses integers beyond 64 bits with a bare OverflowError
        app.register_error_handler(OverflowError, handle_data_error)
        app.register_error_handler(Exception, handle_unexpected)

    def handle_http_exception(self, error):
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        message = data.get("message")
        if message and not field_errors.is_chinese(message):
            message = None  # a library's English text: the status's Chinese message instead
        response = envelope(error.code or 500, data.get("error"), message, errors)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response


def handle_domain_error(error: DomainError):
    response = envelope(error.http_status, error.error, error.message, error.errors, details=error_details(error))
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


def error_details(error) -> dict | None:
    return getattr(error, "details", None) or None


def _rollback() -> None:
    # through the app's Flask-SQLAlchemy extension: app.extensions imports this module (PlatformApi)
    current_app.extensions["sqlalchemy"].session.rollback()


def handle_database_unavailable(error: Exception):
    """The database is unreachable (or dropped the connection): 503 with Retry-After, like storage.
    Only the error class is logged: the driver's message may quote SQL parameters."""
    try:
        _rollback()
    except Exception:  # noqa: BLE001 - the session may be as unusable as the connection
        pass
    log.warning(
        "database unavailable: %s",
        type(getattr(error, "orig", None) or error).__name__,
        extra={"request_id": g.get("request_id") if has_request_context() else None},
    )
    response = envelope(503, "DATABASE_UNAVAILABLE", "系统繁忙，请稍后再试")
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def handle_data_error(error: Exception):
    """A value the database refuses (a number out of its column's range, text too long): bad input
    that slipped past the schema — 422, never 500. Logged by class (the message quotes values)."""
    try:
        _rollback()
    except Exception:  # noqa: BLE001
        pass
    log.warning("database refused a value: %s", type(getattr(error, "orig", None) or error).__name__)
    return envelope(422, "VALIDATION_ERROR", "提交的数值或内容超出允许范围")


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):  # pragma: no cover - routed to the HTTP handler first
        return envelope(error.code or 500)
    # The traceback is logged; the citizen only sees the generic message and the request id.
    log.exception("unhandled error", extra={"request_id": getattr(g, "request_id", None)})
    return envelope(InternalServerError.code)


class PlatformBlueprint(Blueprint):
    """Every blueprint of the platform parses arguments strictly (unknown fields are 422) and
    declares the error responses of each operation (app.web.contract)."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(contract.prepare_errors_doc)

    def register_views_in_doc(self, api, app, spec, *, name, parameters):
        # The doc callbacks see no rule: tell each operation its path arguments (→ 404).
        for endpoint, info in self._docs.items():
            rule = next(app.url_map.iter_rules(f"{name}.{endpoint}"), None)
            arguments = sorted(rule.arguments) if rule is not None else []
            for method, operation in info.items():
                if method != "parameters" and isinstance(operation, dict):
                    operation["path_args"] = arguments
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)
