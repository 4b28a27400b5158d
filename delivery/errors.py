"""Delivery domain errors: stable English codes, Chinese messages for the citizen."""

from __future__ import annotations

from app.errors import Conflict, NotFound, ValidationFailed


class InvalidDivision(ValidationFailed):
    error = "INVALID_DIVISION"
    message = "行政区划代码有误"


class AddressNotFound(NotFound):
    error = "ADDRESS_NOT_FOUND"
    message = "地址不存在"


class AddressLimit(Conflict):
    error = "ADDRESS_LIMIT"
    message = "地址簿已满，请删除不用的地址后再添加"


class DeliveryNotFound(NotFound):
    error = "DELIVERY_NOT_FOUND"
    message = "未找到该办件的送达信息"


class DeliveryOptionUnavailable(ValidationFailed):
    error = "DELIVERY_OPTION_UNAVAILABLE"
    message = "该事项不支持所选的送达方式"


class DeliveryLocked(Conflict):
    error = "DELIVERY_LOCKED"
    message = "办理结果已出具，送达方式不能再修改"


class DeliveryStateConflict(Conflict):
    error = "DELIVERY_STATE_CONFLICT"
    message = "送达状态已变化，请刷新后重试"


class PickupCodeMismatch(ValidationFailed):
    error = "PICKUP_CODE_MISMATCH"
    message = "取件码不正确"


class PickupCodeLocked(Conflict):
    error = "PICKUP_CODE_LOCKED"
    message = "取件码错误次数过多已失效，请申请人在掌上办重新获取取件码"
