"""Schemas of the citizen delivery API: address book, divisions, delivery choice and tracking."""

from __future__ import annotations

import marshmallow as ma

from app.web.schemas import ID_RANGE, BaseSchema, Instant, one_of, page_of
from delivery.models import DeliveryStatus, DivisionLevel

F = ma.fields

MOBILE = {
    "description": "11-digit mainland mobile number (spaces, dashes and a +86 prefix are tolerated)",
    "pattern": r"^1[3-9]\d{9}$",
}


class AddressCreateSchema(BaseSchema):
    recipient = F.String(required=True, validate=ma.validate.Length(min=1, max=30))
    mobile = F.String(required=True, validate=ma.validate.Length(min=1, max=20), metadata=MOBILE)
    province_code = F.String(required=True, validate=ma.validate.Regexp(r"^\d{6}$", error="行政区划代码为6位数字"))
    city_code = F.String(required=True, validate=ma.validate.Regexp(r"^\d{6}$", error="行政区划代码为6位数字"))
    county_code = F.String(required=True, validate=ma.validate.Regexp(r"^\d{6}$", error="行政区划代码为6位数字"))
    detail = F.String(required=True, validate=ma.validate.Length(min=1, max=120))
    is_default = F.Boolean()


class AddressPatchSchema(BaseSchema):
    recipient = F.String(validate=ma.validate.Length(min=1, max=30))
    mobile = F.String(validate=ma.validate.Length(min=1, max=20), metadata=MOBILE)
    province_code = F.String(validate=ma.validate.Regexp(r"^\d{6}$", error="行政区划代码为6位数字"))
    city_code = F.String(validate=ma.validate.Regexp(r"^\d{6}$", error="行政区划代码为6位数字"))
    county_code = F.String(validate=ma.validate.Regexp(r"^\d{6}$", error="行政区划代码为6位数字"))
    detail = F.String(validate=ma.validate.Length(min=1, max=120))
    is_default = F.Boolean(validate=ma.validate.Equal(True, error="设为默认请传 true"))

    @ma.validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("请至少修改一项")


class AddressSchema(ma.Schema):
    id = F.Integer()
    recipient = F.String()
    mobile = F.String()
    province_code = F.String()
    city_code = F.String()
    county_code = F.String()
    region = F.String()
    detail = F.String()
    is_default = F.Boolean()


AddressPageSchema = page_of(AddressSchema)


class DivisionQuerySchema(BaseSchema):
    parent = F.String(validate=ma.validate.Regexp(r"^\d{6}$", error="行政区划代码为6位数字"))


class DivisionSchema(ma.Schema):
    code = F.String()
    name = F.String()
    level = one_of(DivisionLevel)


class DivisionListSchema(ma.Schema):
    items = F.List(F.Nested(DivisionSchema))


class DeliveryChoiceSchema(BaseSchema):
    method = F.String(required=True, validate=ma.validate.OneOf(["mail", "pickup"]))
    address_id = F.Integer(validate=ID_RANGE)

    @ma.validates_schema
    def _address_for_mail(self, data, **kwargs):
        if data["method"] == "mail" and "address_id" not in data:
            raise ma.ValidationError({"address_id": ["邮寄须选择收件地址"]})
        if data["method"] == "pickup" and "address_id" in data:
            raise ma.ValidationError({"address_id": ["自取不需要收件地址"]})


class MaskedAddressSchema(ma.Schema):
    """The address a delivery goes to, masked."""

    address_id = F.Integer(allow_none=True)
    recipient = F.String()
    mobile = F.String()
    region = F.String()
    detail = F.String()


class CourierSchema(ma.Schema):
    code = F.String()
    name = F.String()


class PickupSchema(ma.Schema):
    code = F.String(metadata={"description": "取件码: show it at the window"})
    address = F.String(metadata={"description": "办理地点"})
    hours = F.String(metadata={"description": "办理时间"})
    locked = F.Boolean(metadata={"description": "the code was locked after wrong guesses at the window: get a new one"})


class RouteSchema(ma.Schema):
    at = Instant(metadata={"description": "the courier's scan time"})
    stage = F.String(metadata={"description": "picked_up, in_transit, out_for_delivery, delivered, exception or other"})
    op_code = F.String()
    address = F.String()
    remark = F.String()


class ParcelRefSchema(ma.Schema):
    id = F.Integer()
    status = one_of(DeliveryStatus, metadata={"description": "waiting_parcel until every result is issued"})
    case_ids = F.List(F.Integer(), metadata={"description": "the applications whose results travel in this parcel"})
    order_id = F.String(allow_none=True, metadata={"description": "the parcel's order at the courier, once fixed"})


class DeliverySchema(ma.Schema):
    case_id = F.Integer()
    method = one_of(("mail", "pickup"), allow_none=True, metadata={"description": "null: not chosen yet"})
    options = F.List(one_of(("mail", "pickup")))
    changeable = F.Boolean()
    status = one_of(DeliveryStatus, allow_none=True)
    status_text = F.String()
    address = F.Nested(MaskedAddressSchema, allow_none=True)
    courier = F.Nested(CourierSchema, allow_none=True)
    waybill_no = F.String(allow_none=True)
    order_id = F.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "our order number at the courier (SF orderId), once the parcel is ordered; "
            "in development the SF simulator's route-push control takes it"
        },
    )
    pickup = F.Nested(PickupSchema, allow_none=True)
    exception = F.String(allow_none=True)
    routes = F.List(F.Nested(RouteSchema), metadata={"description": "newest first"})
    parcel = F.Nested(
        ParcelRefSchema,
        allow_none=True,
        metadata={"description": "mailed together with other applications' results in one parcel"},
    )


class JointDeliveryChoiceSchema(BaseSchema):
    case_ids = F.List(
        F.Integer(validate=ID_RANGE),
        required=True,
        validate=ma.validate.Length(min=1, max=20, error="一次最多20项申请"),
        metadata={"description": "my applications whose results are mailed (e.g. the member cases of a bundle)"},
    )
    address_id = F.Integer(required=True, validate=ID_RANGE)
    mode = F.String(
        required=True,
        validate=ma.validate.OneOf(["together", "each"]),
        metadata={"description": "together: one parcel once every result is issued; each: each as it comes"},
    )


class JointDeliverySchema(ma.Schema):
    mode = one_of(("together", "each"))
    parcel_id = F.Integer(allow_none=True, metadata={"description": "the parcel (mode together)"})
    items = F.List(F.Nested(DeliverySchema), metadata={"description": "the delivery of each application"})
