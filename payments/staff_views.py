"""Staff API: payment alarms of my department (/staff/api/v1/payments/alarms)."""

from __future__ import annotations

from flask.views import MethodView

from app.staff.public import StaffRole
from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import page_of
from payments import errors as pay_errors
from payments import staff as payments_staff
from payments.staff_schemas import AlarmQuerySchema, AlarmSchema, ResolveSchema

blp = Blueprint("staff_payments", __name__, description="Staff API: payment alarms (支付告警)")


@blp.route("/payments/alarms")
class Alarms(MethodView):
    @require_staff()
    @blp.arguments(AlarmQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(AlarmSchema))
    def get(self, **query):
        """Payment alarms about my department's cases (open ones unless asked otherwise), newest first"""
        return payments_staff.alarms_page(current_staff(), **query)


@blp.route("/payments/alarms/<int:alarm_id>/resolve")
class ResolveAlarm(MethodView):
    @require_staff(StaffRole.REVIEWER, StaffRole.DEPARTMENT_HEAD)
    @blp.arguments(ResolveSchema)
    @blp.response(200, AlarmSchema)
    @declares(pay_errors.AlarmNotFound, pay_errors.AlarmAlreadyResolved)
    def post(self, body, alarm_id):
        """Record how an alarm was followed up (reviewers and heads; once)"""
        return payments_staff.resolve(current_staff(), alarm_id, body["note"])
