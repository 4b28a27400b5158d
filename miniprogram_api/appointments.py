"""网上预约: bookable slots, book, my appointments, cancel."""

from __future__ import annotations

from flask.views import MethodView

from app.appointments import errors as appointment_errors
from app.appointments import service as appointments
from app.cases import errors as case_errors
from app.catalog import errors as catalog_errors
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import PageQuerySchema, page_of
from miniprogram_api.appointment_schemas import AppointmentSchema, BookingSchema, SlotListSchema, SlotQuerySchema
from miniprogram_api.security import current_principal, require_level

blp = Blueprint("appointments", __name__, description="Appointments (网上预约)")

LEVEL = 3


@blp.route("/appointment-slots")
class Slots(MethodView):
    @blp.arguments(SlotQuerySchema, location="query")
    @blp.response(200, SlotListSchema)
    def get(self, query: dict):
        """Bookable slots for an item, soonest first, with the places left"""
        return appointments.list_slots(
            service_code=query["service_code"],
            hall_code=query.get("hall"),
            date_from=query.get("date_from"),
            date_to=query.get("date_to"),
        )


@blp.route("/appointments")
class Appointments(MethodView):
    @require_level(LEVEL)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(AppointmentSchema))
    def get(self, **query):
        """My appointments, latest first"""
        return appointments.list_appointments(current_principal(), **query)

    @require_level(LEVEL)
    @blp.arguments(BookingSchema)
    @blp.response(201, AppointmentSchema)
    @declares(
        appointment_errors.SlotNotFound,
        appointment_errors.SlotFull,
        appointment_errors.SlotPast,
        appointment_errors.AlreadyBooked,
        appointment_errors.BookingBanned,
        appointment_errors.ItemNotServed,
        case_errors.CaseNotFound,
        catalog_errors.ServiceNotFound,
    )
    def post(self, body: dict):
        """Book a slot (never over capacity); the answer carries the check-in code"""
        return appointments.book(
            current_principal(), slot_id=body["slot_id"], service_code=body["service_code"], case_id=body.get("case_id")
        )


@blp.route("/appointments/<int:appointment_id>")
class OneAppointment(MethodView):
    @require_level(LEVEL)
    @blp.response(200, AppointmentSchema)
    @declares(appointment_errors.AppointmentNotFound)
    def get(self, appointment_id: int):
        """One of my appointments"""
        return appointments.get_appointment(current_principal(), appointment_id)

    @require_level(LEVEL)
    @blp.response(200, AppointmentSchema)
    @declares(
        appointment_errors.AppointmentNotFound, appointment_errors.NotCancellable, appointment_errors.CancelTooLate
    )
    def delete(self, appointment_id: int):
        """Cancel my appointment (until the cut-off before its start)"""
        return appointments.cancel(current_principal(), appointment_id)
