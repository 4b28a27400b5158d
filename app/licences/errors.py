"""E-licence domain errors: stable English codes, Chinese messages for the citizen."""

from __future__ import annotations

from app.errors import Conflict, DomainError, NotFound, ValidationFailed


class LicenceNotFound(NotFound):
    error = "LICENCE_NOT_FOUND"
    message = "未找到该证照"


class LicenceNotUsable(Conflict):
    error = "LICENCE_NOT_USABLE"
    message = "该证照已过期或已注销，无法使用"


class LicenceAlreadyRevoked(Conflict):
    error = "LICENCE_ALREADY_REVOKED"
    message = "该证照已注销"


class UnknownLicenceType(ValidationFailed):
    error = "UNKNOWN_LICENCE_TYPE"
    message = "证照类型不存在"


class UnknownIssuer(ValidationFailed):
    error = "UNKNOWN_ISSUER"
    message = "发证部门不存在或缺少统一社会信用代码"


class ResidentNotFound(NotFound):
    error = "RESIDENT_NOT_FOUND"
    message = "未找到持证人"


class InvalidEssentials(ValidationFailed):
    error = "INVALID_ESSENTIALS"
    message = "证照信息有误"


class InvalidPurpose(ValidationFailed):
    error = "INVALID_PURPOSE"
    message = "用证事由不能为空且不超过200字"


class ShowCodeInvalid(DomainError):
    http_status = 400
    error = "LICENCE_CODE_INVALID"
    message = "亮证码无效，请让对方重新出示"


class ShowCodeExpired(DomainError):
    http_status = 410
    error = "LICENCE_CODE_EXPIRED"
    message = "亮证码已过期，请让对方刷新后重新出示"


class ShowCodeUsed(DomainError):
    http_status = 410
    error = "LICENCE_CODE_USED"
    message = "亮证码已被核验过，请让对方刷新后重新出示"
