"""Schemas of the citizen payment API (fee of an application)."""

from __future__ import annotations

import marshmallow as ma

from app.cases.public import CaseStatus
from app.web.schemas import BaseSchema, Instant, one_of
from payments.models import OrderStatus, RefundStatus

F = ma.fields


class PaymentStartSchema(BaseSchema):
    channel = F.String(required=True, validate=ma.validate.OneOf(["wechat", "alipay"]))


class RefundSchema(BaseSchema):
    status = one_of(RefundStatus)
    amount_fen = F.Integer(metadata={"description": "fen"})
    reason = F.String()
    created_at = Instant()
    finished_at = Instant(allow_none=True)


class FeeOrderSchema(BaseSchema):
    out_trade_no = F.String()
    channel = one_of(("wechat", "alipay"))
    amount_fen = F.Integer(metadata={"description": "fen"})
    status = one_of(OrderStatus)
    created_at = Instant()
    expires_at = Instant()
    paid_at = Instant(allow_none=True)
    refund = F.Nested(RefundSchema, allow_none=True)


class WeChatPayParamsSchema(BaseSchema):
    appId = F.String()  # noqa: N815 - wx.requestPayment's own names
    timeStamp = F.String()  # noqa: N815
    nonceStr = F.String()  # noqa: N815
    package = F.String()
    signType = F.String()  # noqa: N815
    paySign = F.String()  # noqa: N815


class AlipayParamsSchema(BaseSchema):
    tradeNO = F.String(metadata={"description": "for my.tradePay"})  # noqa: N815


class PaymentStartedSchema(BaseSchema):
    order = F.Nested(FeeOrderSchema)
    wechat = F.Nested(
        WeChatPayParamsSchema,
        metadata={"description": "wx.requestPayment parameters (channel wechat only)", "x-optional": True},
    )
    alipay = F.Nested(
        AlipayParamsSchema, metadata={"description": "my.tradePay parameters (channel alipay only)", "x-optional": True}
    )


class PaymentSchema(BaseSchema):
    case_id = F.Integer()
    fee_fen = F.Integer(metadata={"description": "fen"})
    case_status = one_of(CaseStatus)
    order = F.Nested(FeeOrderSchema, allow_none=True, metadata={"description": "the paid order, else the newest"})
    orders = F.List(F.Nested(FeeOrderSchema))


class JointPaymentStartSchema(BaseSchema):
    case_ids = F.List(
        F.Integer(validate=ma.validate.Range(min=1)),
        required=True,
        validate=ma.validate.Length(min=1, max=20, error="一次最多合并支付20项申请"),
        metadata={"description": "my applications whose fees are paid together (e.g. the member cases of a bundle)"},
    )
    channel = F.String(required=True, validate=ma.validate.OneOf(["wechat", "alipay"]))


class JointLineSchema(BaseSchema):
    case_id = F.Integer()
    out_trade_no = F.String(metadata={"description": "this case's own fee order (ours; not the provider's)"})
    amount_fen = F.Integer(metadata={"description": "fen"})
    status = one_of(OrderStatus)
    refund = F.Nested(RefundSchema, allow_none=True)


class JointOrderSchema(BaseSchema):
    out_trade_no = F.String(metadata={"description": "the order at the provider"})
    channel = one_of(("wechat", "alipay"))
    amount_fen = F.Integer(metadata={"description": "fen: the sum of the lines"})
    status = one_of(OrderStatus)
    case_ids = F.List(F.Integer(), metadata={"description": "the applications named"})
    skipped_case_ids = F.List(F.Integer(), metadata={"description": "named, but with no fee due: not in this order"})
    created_at = Instant()
    expires_at = Instant()
    paid_at = Instant(allow_none=True)
    lines = F.List(F.Nested(JointLineSchema), metadata={"description": "one fee order per application paid"})


class JointPaymentSchema(BaseSchema):
    joint = F.Nested(JointOrderSchema)


class JointPaymentStartedSchema(JointPaymentSchema):
    wechat = F.Nested(
        WeChatPayParamsSchema,
        metadata={"description": "wx.requestPayment parameters (channel wechat, order open)", "x-optional": True},
    )
    alipay = F.Nested(
        AlipayParamsSchema,
        metadata={"description": "my.tradePay parameters (channel alipay, order open)", "x-optional": True},
    )
