"""The base of every domain error.

Domain packages subclass `DomainError` in their own `errors.py`; one handler (app/web/api.py)
turns any of them into the error envelope. `error` is a stable English code clients can switch
on; `message` is the Chinese sentence shown to the citizen; `errors` are field errors
(`{"field.path": ["中文"]}`), `details` machine-readable facts (both normalised into the one
envelope shape by app.web.field_errors, which also moves non-message values of `errors` to
`details`).
"""

from __future__ import annotations


class DomainError(Exception):
    http_status = 400
    error = "BAD_REQUEST"
    message = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: dict | None = None,
        error: str | None = None,
        details: dict | None = None,
    ):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if error is not None:
            self.error = error
        self.errors = errors or {}
        self.details = details or {}


class NotFound(DomainError):
    http_status = 404
    error = "NOT_FOUND"
    message = "请求的内容不存在"


class ValidationFailed(DomainError):
    http_status = 422
    error = "VALIDATION_ERROR"
    message = "提交的信息有误，请检查后重试"


class Conflict(DomainError):
    http_status = 409
    error = "CONFLICT"
    message = "操作与当前状态冲突，请刷新后重试"


class Forbidden(DomainError):
    http_status = 403
    error = "FORBIDDEN"
    message = "无权访问"


class Unauthenticated(DomainError):
    http_status = 401
    error = "UNAUTHENTICATED"
    message = "请先登录"


class RateLimited(DomainError):
    http_status = 429
    error = "RATE_LIMITED"
    message = "操作过于频繁，请稍后再试"


class ServiceUnavailable(DomainError):
    http_status = 503
    error = "SERVICE_UNAVAILABLE"
    message = "服务暂时不可用，请稍后再试"
