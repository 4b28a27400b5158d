"""The citizen's message consents (订阅消息) and in-app inbox (消息中心)."""

from __future__ import annotations

from flask.views import MethodView

from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from miniprogram_api.notification_schemas import (
    InboxMessageSchema,
    InboxPageSchema,
    InboxQuerySchema,
    ReadAllSchema,
    SubscriptionListSchema,
    SubscriptionRequestSchema,
)
from miniprogram_api.security import current_principal, require_level
from notifications import errors as notification_errors
from notifications import service as notifications

blp = Blueprint("notifications", __name__, description="Subscriptions and the message inbox (消息)")


def _acting_for() -> int | None:
    """The enterprise the caller acts for: its messages form the inbox while acting."""
    acting = current_principal().acting
    return acting.enterprise_id if acting is not None else None


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @require_level(2)
    @blp.arguments(SubscriptionRequestSchema)
    @blp.response(200, SubscriptionListSchema)
    @declares(notification_errors.UnknownTemplate)
    def post(self, body: dict):
        """Record the result of wx.requestSubscribeMessage / my.requestSubscribeMessage

        One-time: each accepted template allows one message. Long-term: until refused."""
        return notifications.record_subscriptions(
            current_principal().account_id, channel=body["channel"], kind=body["kind"], results=body["results"]
        )

    @require_level(2)
    @blp.response(200, SubscriptionListSchema)
    def get(self):
        """My message consents and how many one-time authorisations are left"""
        return notifications.list_subscriptions(current_principal().account_id)


@blp.route("/messages")
class Inbox(MethodView):
    @require_level(2)
    @blp.arguments(InboxQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, InboxPageSchema)
    def get(self, page: int, page_size: int, unread_only: bool):
        """My messages, newest first, with the unread count"""
        return notifications.inbox_page(
            current_principal().account_id,
            page=page,
            page_size=page_size,
            unread_only=unread_only,
            enterprise_id=_acting_for(),
        )


@blp.route("/messages/<int:message_id>/read")
class ReadOne(MethodView):
    @require_level(2)
    @blp.response(200, InboxMessageSchema)
    @declares(notification_errors.MessageNotFound)
    def post(self, message_id: int):
        """Mark one of my messages read"""
        return notifications.mark_read(current_principal().account_id, message_id, enterprise_id=_acting_for())


@blp.route("/messages/read-all")
class ReadAll(MethodView):
    @require_level(2)
    @blp.response(200, ReadAllSchema)
    def post(self):
        """Mark all my messages read"""
        return notifications.mark_all_read(current_principal().account_id, enterprise_id=_acting_for())
