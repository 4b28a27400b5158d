"""Enterprise domain errors: stable English codes, Chinese messages for the citizen."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound, ValidationFailed


def field_errors(field: str, message: str) -> dict:
    return {"json": {field: [message]}}


class InvalidUscc(ValidationFailed):
    error = "INVALID_USCC"
    message = "统一社会信用代码有误，请检查后重新输入"


class InvalidEnterprise(ValidationFailed):
    error = "INVALID_ENTERPRISE"
    message = "企业登记信息有误"


class EnterpriseExists(Conflict):
    error = "ENTERPRISE_EXISTS"
    message = "该统一社会信用代码的企业已登记"


class EnterpriseNotFound(NotFound):
    """An enterprise the caller has no role in is indistinguishable from one that does not exist."""

    error = "ENTERPRISE_NOT_FOUND"
    message = "未找到该企业，或您无权代表该企业办事"


class BindingRefused(Forbidden):
    """Unknown USCC and "you are not its legal representative" give this same answer (rule 18)."""

    error = "BINDING_REFUSED"
    message = "未能核验您为该企业的法定代表人，请核对统一社会信用代码"


class NotRepresentative(Forbidden):
    error = "NOT_LEGAL_REPRESENTATIVE"
    message = "只有企业的法定代表人可以进行该操作"


class GrantNotFound(NotFound):
    error = "GRANT_NOT_FOUND"
    message = "未找到该授权"


class GrantExists(Conflict):
    error = "GRANT_EXISTS"
    message = "已向此人发出授权，请先撤销原授权再重新授权"


class GrantNotPending(Conflict):
    error = "GRANT_NOT_PENDING"
    message = "该授权已处理，无需重复操作"


class GrantRevoked(Conflict):
    error = "GRANT_NOT_LIVE"
    message = "该授权已撤销或已失效"


class InvalidGrant(ValidationFailed):
    error = "INVALID_GRANT"
    message = "授权信息有误，请检查后重试"


class SelfGrant(ValidationFailed):
    error = "SELF_GRANT"
    message = "法定代表人无需授权自己为经办人"


class ActingNotAllowed(Forbidden):
    """Personal-only operations (identity, binding, accepting grants) refuse an acting session."""

    error = "ACTING_NOT_ALLOWED"
    message = "请先退出企业身份，以个人身份进行该操作"


class AlreadyActing(Conflict):
    error = "ALREADY_ACTING"
    message = "您正在代表企业办事，请先退出当前企业身份"


class NotActing(Conflict):
    error = "NOT_ACTING"
    message = "您当前未代表企业办事"


class EblDisabled(NotFound):
    error = "EBL_LOGIN_DISABLED"
    message = "暂未开通电子营业执照扫码登录"


class EblNotReady(Conflict):
    error = "EBL_SCAN_PENDING"
    message = "请使用电子营业执照小程序扫码并确认授权"


class EblRefused(Forbidden):
    error = "EBL_REFUSED"
    message = "电子营业执照授权未通过，请确认由法定代表人本人扫码授权"
