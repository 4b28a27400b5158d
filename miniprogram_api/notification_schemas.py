"""Schemas of the citizen's subscriptions and inbox."""

from __future__ import annotations

import marshmallow as ma

from app.web.schemas import BaseSchema, Instant, PageQuerySchema, one_of, page_of
from notifications.models import Channel, SubscriptionKind


class SubscriptionRequestSchema(BaseSchema):
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(["wechat", "alipay"]))
    kind = ma.fields.String(load_default="one_time", validate=ma.validate.OneOf(["one_time", "long_term"]))
    # The answer of wx.requestSubscribeMessage: template id -> accept | reject | ban | filter.
    results = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(min=1, max=128)),
        values=ma.fields.String(validate=ma.validate.OneOf(["accept", "reject", "ban", "filter"])),
        required=True,
        validate=ma.validate.Length(min=1, max=20),
    )


class SubscriptionSchema(ma.Schema):
    channel = one_of(Channel)
    template_id = ma.fields.String()
    kind = one_of(SubscriptionKind)
    remaining = ma.fields.Integer(allow_none=True, metadata={"description": "one-time authorisations left"})
    active = ma.fields.Boolean()
    updated_at = Instant()


class SubscriptionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SubscriptionSchema))


class InboxQuerySchema(PageQuerySchema):
    unread_only = ma.fields.Boolean(load_default=False)


class InboxMessageSchema(ma.Schema):
    id = ma.fields.Integer()
    event_type = ma.fields.String(metadata={"description": "the domain event, e.g. case.submitted, payment.paid"})
    title = ma.fields.String()
    body = ma.fields.String()
    page = ma.fields.String(allow_none=True, metadata={"description": "mini-program page to open"})
    case_id = ma.fields.Integer(allow_none=True)
    case_number = ma.fields.String(allow_none=True)
    created_at = Instant()
    read = ma.fields.Boolean()
    read_at = Instant(allow_none=True)


class InboxPageSchema(page_of(InboxMessageSchema)):
    unread = ma.fields.Integer(metadata={"description": "unread messages in the whole inbox"})


class ReadAllSchema(ma.Schema):
    updated = ma.fields.Integer()
    unread = ma.fields.Integer()
