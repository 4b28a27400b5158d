"""Staff view of notifications: messages that could not be delivered (/staff/api/v1)."""

from __future__ import annotations

from flask.views import MethodView

from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.schemas import page_of
from notifications import service
from notifications.staff_schemas import FailureQuerySchema, FailureSchema

blp = Blueprint("staff_notifications", __name__, description="Staff API: notification failures (消息推送失败)")


@blp.route("/notifications/failures")
class Failures(MethodView):
    @require_staff()
    @blp.arguments(FailureQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(FailureSchema))
    def get(self, page: int, page_size: int, channel: str | None = None):
        """Messages about my department's cases that were refused or ran out of retries"""
        return service.failures_page(current_staff().department_code, page=page, page_size=page_size, channel=channel)
