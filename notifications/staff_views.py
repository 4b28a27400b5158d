"""Staff view of notifications: messages that could not be delivered (/staff/api/v1)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.schemas import Instant, PageQuerySchema, one_of, page_of
from notifications import service

blp = Blueprint("staff_notifications", __name__, description="Staff API: notification failures (消息推送失败)")


class FailureQuerySchema(PageQuerySchema):
    channel = ma.fields.String(validate=ma.validate.OneOf(["wechat", "alipay", "sms"]))


class FailureSchema(ma.Schema):
    id = ma.fields.Integer()
    event_type = ma.fields.String()
    channel = one_of(("wechat", "alipay", "sms"))
    case_id = ma.fields.Integer(allow_none=True)
    case_number = ma.fields.String(allow_none=True)
    error_code = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    attempts = ma.fields.Integer()
    created_at = Instant()
    failed_at = Instant(allow_none=True)


@blp.route("/notifications/failures")
class Failures(MethodView):
    @require_staff()
    @blp.arguments(FailureQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(FailureSchema))
    def get(self, page: int, page_size: int, channel: str | None = None):
        """Messages about my department's cases that were refused or ran out of retries"""
        return service.failures_page(current_staff().department_code, page=page, page_size=page_size, channel=channel)
