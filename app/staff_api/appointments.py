"""Check-in at my department's windows with the citizen's code for the day."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields as F
from marshmallow import validate as V

from app.appointments import errors as appointment_errors
from app.appointments import hall as appointments
from app.staff_api.engagement_schemas import StaffAppointmentDaySchema, StaffAppointmentSchema
from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import BaseSchema

blp = Blueprint("staff_appointments", __name__, description="Staff API: appointments (预约签到)")


class DayQuerySchema(BaseSchema):
    day = F.Date(metadata={"description": "China date; default today"})


class CheckinSchema(BaseSchema):
    code = F.String(required=True, validate=V.Regexp(r"^\d{6}$", error="签到码为6位数字"))


@blp.route("/departments/<string:department_code>/appointments/check-in")
class CheckIn(MethodView):
    @require_staff()
    @blp.arguments(CheckinSchema)
    @blp.response(200, StaffAppointmentSchema)
    @declares(appointment_errors.CheckinNotFound, appointment_errors.AlreadyCheckedIn)
    def post(self, body: dict, department_code: str):
        """Check a citizen in with today's code at one of my department's windows"""
        return appointments.check_in(current_staff(), department_code, code=body["code"])


@blp.route("/departments/<string:department_code>/appointments")
class DayAppointments(MethodView):
    @require_staff()
    @blp.arguments(DayQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, StaffAppointmentDaySchema)
    def get(self, department_code: str, **query):
        """Appointments at my department's windows on a day (default today), by start time"""
        return appointments.department_day(current_staff(), department_code, **query)
