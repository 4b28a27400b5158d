"""Cases domain errors."""

from __future__ import annotations

from app.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed


class CaseNotFound(NotFound):
    error = "APPLICATION_NOT_FOUND"
    message = "未找到该申请"


class MaterialNotFound(NotFound):
    error = "MATERIAL_NOT_FOUND"
    message = "该事项没有这项材料"


class IllegalTransition(Conflict):
    error = "ILLEGAL_TRANSITION"
    message = "当前办件状态不允许该操作"


class NotEditable(Conflict):
    error = "ILLEGAL_TRANSITION"
    message = "申请已提交，暂不能修改"


class MethodNotAllowed(ValidationFailed):
    error = "METHOD_NOT_ALLOWED_FOR_MATERIAL"
    message = "这项材料不能用这种方式提供"


class CommitmentTextChanged(Conflict):
    error = "COMMITMENT_TEXT_CHANGED"
    message = "承诺书内容已更新，请重新阅读后确认"


class CommitmentRefused(Forbidden):
    error = "COMMITMENT_NOT_ALLOWED"
    message = "根据您的信用记录，暂不能使用告知承诺，请上传材料"


class CreditBlocked(Forbidden):
    error = "CREDIT_BLOCKED"
    message = "根据信用记录，您暂不能在线申报该事项，请咨询办理部门"


class NotReady(ValidationFailed):
    error = "APPLICATION_INCOMPLETE"
    message = "申请信息尚不完整，请按提示补充后再提交"


class UploadRejected(ValidationFailed):
    error = "UPLOAD_REJECTED"
    message = "文件不符合要求"


class PayloadTooLarge(DomainError):
    http_status = 413
    error = "FILE_TOO_LARGE"
    message = "文件过大"


class TooManyFiles(Conflict):
    error = "TOO_MANY_FILES"
    message = "这项材料上传的文件已达上限"


class IdempotencyKeyMissing(DomainError):
    http_status = 428
    error = "IDEMPOTENCY_KEY_REQUIRED"
    message = "请求缺少幂等键，请重试"


class IdempotencyKeyReused(Conflict):
    error = "IDEMPOTENCY_KEY_REUSED"
    message = "该请求编号已用于其他申请"


class LicenceTypeMismatch(ValidationFailed):
    error = "LICENCE_TYPE_MISMATCH"
    message = "所选证照与该材料不符"


class FormRefused(ValidationFailed):
    error = "FORM_REFUSED"
    message = "表单内容超出允许范围，请按提示修改后再保存"


class TooManyDrafts(Conflict):
    error = "TOO_MANY_DRAFTS"
    message = "未提交的草稿过多，请先提交或删除不需要的草稿"


class NotADraft(Conflict):
    error = "NOT_A_DRAFT"
    message = "只能删除尚未提交的草稿"


class FileNotFound(NotFound):
    error = "FILE_NOT_FOUND"
    message = "未找到该文件"


class AudienceMismatch(Forbidden):
    """The item is not for the caller's context (a person for a legal-person item, an
    enterprise for an individual item), or outside an agent's authorisation."""

    error = "AUDIENCE_MISMATCH"
    message = "该事项不能以当前身份办理"


class EnterpriseCannotApply(Forbidden):
    error = "ENTERPRISE_CANNOT_APPLY"
    message = "企业当前登记状态不能办理业务"


class NotAuthorisedForItem(Forbidden):
    error = "NOT_AUTHORISED_FOR_ITEM"
    message = "您未获该企业授权办理此事项"
