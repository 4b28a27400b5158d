"""Bundle application errors."""

from __future__ import annotations

from app.errors import Conflict, NotFound, ValidationFailed


class BundleApplicationNotFound(NotFound):
    error = "BUNDLE_APPLICATION_NOT_FOUND"
    message = "未找到该一件事申请"


class BundleMaterialNotFound(NotFound):
    error = "MATERIAL_NOT_FOUND"
    message = "该一件事没有这项材料"


class BundleNotEditable(Conflict):
    error = "BUNDLE_NOT_EDITABLE"
    message = "一件事申请已提交，暂不能修改"


class BundleNotAnswered(ValidationFailed):
    error = "BUNDLE_NOT_ANSWERED"
    message = "请先回答情形引导问题"


class BundleIncomplete(ValidationFailed):
    error = "APPLICATION_INCOMPLETE"
    message = "申请信息尚不完整，请按提示补充后再提交"


class BundleNotWithdrawable(Conflict):
    error = "BUNDLE_NOT_WITHDRAWABLE"
    message = "一件事申请当前状态不允许撤回"


class BundleKeyReused(Conflict):
    error = "IDEMPOTENCY_KEY_REUSED"
    message = "该请求编号已用于其他申请"


class BundleMemberNotFound(NotFound):
    error = "BUNDLE_MEMBER_NOT_FOUND"
    message = "该一件事申请没有这个办件"


class TooManyBundleDrafts(Conflict):
    error = "TOO_MANY_DRAFTS"
    message = "未提交的一件事申请过多，请先提交或删除不需要的申请"
