"""Errors of the notification API (the platform's one envelope)."""

from __future__ import annotations

from app.errors import NotFound, ValidationFailed


class MessageNotFound(NotFound):
    error = "MESSAGE_NOT_FOUND"
    message = "消息不存在"


class UnknownTemplate(ValidationFailed):
    error = "UNKNOWN_TEMPLATE"
    message = "订阅的消息模板不存在"
