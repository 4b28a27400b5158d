"""Check-in at my department's windows with the citizen's code for the day."""

from __future__ import annotations

from flask.views import MethodView

from app.appointments import errors as appointment_errors
from app.appointments import hall as appointments
from app.staff_api.appointment_schemas import (
    CheckinSchema,
    DayQuerySchema,
    StaffAppointmentDaySchema,
    StaffAppointmentSchema,
)
from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares

blp = Blueprint("staff_appointments", __name__, description="Staff API: appointments (预约签到)")


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
