"""Schemas of the citizen payment API (fee of an application)."""

from __future__ import annotations

import marshmallow as ma

from app.web.schemas import BaseSchema

F = ma.fields


class PaymentStartSchema(BaseSchema):
    channel = F.String(required=True, validate=ma.validate.OneOf(["wechat", "alipay"]))


class RefundSchema(BaseSchema):
    status = F.String(metadata={"description": "pending | processing | succeeded | failed"})
    amount_fen = F.Integer()
    reason = F.String()
    created_at = F.DateTime()
    finished_at = F.DateTime(allow_none=True)


class FeeOrderSchema(BaseSchema):
    out_trade_no = F.String()
    channel = F.String()
    amount_fen = F.Integer()
    status = F.String(metadata={"description": "pending | paid | closed | refunding | refunded"})
    created_at = F.DateTime()
    expires_at = F.DateTime()
    paid_at = F.DateTime(allow_none=True)
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
    wechat = F.Nested(WeChatPayParamsSchema, metadata={"description": "wx.requestPayment parameters"})
    alipay = F.Nested(AlipayParamsSchema, metadata={"description": "my.tradePay parameters"})


class PaymentSchema(BaseSchema):
    case_id = F.Integer()
    fee_fen = F.Integer()
    case_status = F.String()
    order = F.Nested(FeeOrderSchema, allow_none=True, metadata={"description": "the paid order, else the newest"})
    orders = F.List(F.Nested(FeeOrderSchema))
