"""Domain errors of payments (mapped to the one error envelope by app/web)."""

from __future__ import annotations

from app.errors import Conflict, DomainError, NotFound, ServiceUnavailable, ValidationFailed


class PaymentNotFound(NotFound):
    error = "PAYMENT_NOT_FOUND"
    message = "没有找到支付记录"


class NoFeeDue(Conflict):
    error = "NO_FEE_DUE"
    message = "该申请无需缴费或已缴费"


class ChannelUnavailable(ServiceUnavailable):
    error = "PAYMENT_CHANNEL_UNAVAILABLE"
    message = "该支付方式暂不可用，请选择其他方式"


class PayerUnknown(ValidationFailed):
    error = "PAYER_NOT_LINKED"
    message = "请先使用该支付渠道登录（微信或支付宝）后再支付"


class ProviderRefused(DomainError):
    http_status = 502
    error = "PAYMENT_PROVIDER_ERROR"
    message = "支付渠道暂时无法下单，请稍后再试"


class AlreadyPaid(Conflict):
    error = "ALREADY_PAID"
    message = "该申请已缴费"


class AlarmNotFound(NotFound):
    error = "PAYMENT_ALARM_NOT_FOUND"
    message = "没有找到该支付告警"


class AlarmAlreadyResolved(Conflict):
    error = "PAYMENT_ALARM_RESOLVED"
    message = "该支付告警已处理"
