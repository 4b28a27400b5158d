"""Catalog domain errors."""

from __future__ import annotations

from app.errors import NotFound, ValidationFailed


class ServiceNotFound(NotFound):
    error = "SERVICE_NOT_FOUND"
    message = "未找到该事项，可能已调整或下线"


class DepartmentNotFound(NotFound):
    error = "DEPARTMENT_NOT_FOUND"
    message = "未找到该部门"


class FormInvalid(ValidationFailed):
    error = "FORM_INVALID"
    message = "申请表填写有误，请按提示修改"


class UnknownFilter(ValidationFailed):
    error = "UNKNOWN_FILTER"
    message = "筛选条件有误，请检查后重试"


class BundleNotFound(NotFound):
    error = "BUNDLE_NOT_FOUND"
    message = "未找到该“一件事”，可能已调整或下线"


class AnswersInvalid(ValidationFailed):
    error = "ANSWERS_INVALID"
    message = "请完整回答情形引导中的问题"
