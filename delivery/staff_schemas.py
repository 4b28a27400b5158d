"""Request and response schemas of delivery's staff views (delivery/staff_views.py)."""

from __future__ import annotations

import marshmallow as ma

from app.web.schemas import BaseSchema, Instant, PageQuerySchema, one_of
from delivery.models import DeliveryStatus
from delivery.providers import NAMES

F = ma.fields


class DeliveryQuerySchema(PageQuerySchema):
    status = F.String(validate=ma.validate.OneOf([s.value for s in DeliveryStatus]))


class StaffParcelSchema(ma.Schema):
    id = F.Integer()
    status = one_of(DeliveryStatus)
    case_ids = F.List(F.Integer(), metadata={"description": "every case in the parcel (any department)"})
    order_id = F.String(allow_none=True)


class StaffDeliverySchema(ma.Schema):
    id = F.Integer()
    case_id = F.Integer()
    case_number = F.String(allow_none=True)
    service_name = F.String()
    method = one_of(("mail", "pickup"))
    status = one_of(DeliveryStatus)
    status_text = F.String()
    courier = one_of(NAMES, allow_none=True)
    order_id = F.String(allow_none=True)
    waybill_no = F.String(allow_none=True)
    order_attempts = F.Integer()
    last_error = F.String(allow_none=True)
    updated_at = Instant()
    parcel = F.Nested(
        StaffParcelSchema,
        allow_none=True,
        metadata={"description": "one parcel for several cases' results: one courier order, one waybill"},
    )


class RecipientSchema(ma.Schema):
    name = F.String()
    mobile = F.String()
    address = F.String()


class StaffDeliveryDetailSchema(StaffDeliverySchema):
    recipient = F.Nested(RecipientSchema, allow_none=True)
    pickup_code_masked = F.String(allow_none=True)
    pickup_locked = F.Boolean(
        metadata={"description": "the pickup code was locked after wrong codes; the citizen gets a new one"}
    )


class WaybillSchema(BaseSchema):
    waybill_no = F.String(
        required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9]{6,30}$", error="运单号为6–30位字母或数字")
    )
    courier_name = F.String(required=True, validate=ma.validate.Length(min=2, max=30))


class PickupCodeSchema(BaseSchema):
    pickup_code = F.String(required=True, validate=ma.validate.Regexp(r"^\d{6}$", error="取件码为6位数字"))


class CourierChoiceSchema(BaseSchema):
    courier = F.String(required=True, validate=ma.validate.OneOf(NAMES))


class CourierConfigSchema(ma.Schema):
    department_code = F.String()
    courier = one_of(NAMES)
    name = F.String()
