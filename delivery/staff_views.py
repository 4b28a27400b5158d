"""Staff API: delivery of results — the courier order queue, retries, waybills for the hall
courier, handover at the window against the pickup code, the department's courier. Mounted
under /staff/api/v1 by `delivery.init_app` (a satellite's staff views live in the satellite)."""

from __future__ import annotations

from flask.views import MethodView

from app.cases import errors as case_errors
from app.staff.public import StaffRole
from app.staff_api.security import current_staff, require_staff
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import page_of
from delivery import errors as delivery_errors
from delivery import staff as delivery_staff
from delivery.staff_schemas import (
    CourierChoiceSchema,
    CourierConfigSchema,
    DeliveryQuerySchema,
    PickupCodeSchema,
    StaffDeliveryDetailSchema,
    StaffDeliverySchema,
    WaybillSchema,
)

blp = Blueprint("staff_delivery", __name__, description="Staff API: delivery of results (寄递)")


@blp.route("/departments/<string:department_code>/deliveries")
class DeliveryQueue(MethodView):
    @require_staff()
    @blp.arguments(DeliveryQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(StaffDeliverySchema))
    def get(self, department_code, **query):
        """Courier orders of my department needing attention: failed first, then being placed, awaiting a waybill"""
        return delivery_staff.queue(current_staff(), department_code, **query)


@blp.route("/departments/<string:department_code>/courier")
class DepartmentCourier(MethodView):
    @require_staff()
    @blp.response(200, CourierConfigSchema)
    def get(self, department_code):
        """The courier my department mails results with"""
        return delivery_staff.get_courier(current_staff(), department_code)

    @require_staff(StaffRole.DEPARTMENT_HEAD)
    @blp.arguments(CourierChoiceSchema)
    @blp.response(200, CourierConfigSchema)
    @declares(delivery_errors.DeliveryStateConflict)
    def put(self, body, department_code):
        """Set my department's courier: sf (SF Express orders) or hall (staff type the waybill)"""
        return delivery_staff.set_courier(current_staff(), department_code, body["courier"])


@blp.route("/deliveries/<int:delivery_id>")
class StaffDelivery(MethodView):
    @require_staff()
    @blp.response(200, StaffDeliveryDetailSchema)
    @declares(delivery_errors.DeliveryNotFound)
    def get(self, delivery_id):
        """One delivery of my department, with the recipient to address the parcel (audited)"""
        return delivery_staff.detail(current_staff(), delivery_id)


@blp.route("/deliveries/<int:delivery_id>/retry")
class Retry(MethodView):
    @require_staff()
    @blp.response(200, StaffDeliverySchema)
    @declares(delivery_errors.DeliveryNotFound, delivery_errors.DeliveryStateConflict)
    def post(self, delivery_id):
        """Place a failed courier order again"""
        return delivery_staff.retry(current_staff(), delivery_id)


@blp.route("/deliveries/<int:delivery_id>/waybill")
class Waybill(MethodView):
    @require_staff()
    @blp.arguments(WaybillSchema)
    @blp.response(200, StaffDeliverySchema)
    @declares(delivery_errors.DeliveryNotFound, delivery_errors.DeliveryStateConflict)
    def put(self, body, delivery_id):
        """Hall courier (or a failed order): the parcel was handed to a courier with this waybill"""
        return delivery_staff.enter_waybill(current_staff(), delivery_id, **body)


@blp.route("/deliveries/<int:delivery_id>/delivered")
class Delivered(MethodView):
    @require_staff()
    @blp.response(200, StaffDeliverySchema)
    @declares(
        delivery_errors.DeliveryNotFound,
        delivery_errors.DeliveryStateConflict,
        case_errors.CaseNotFound,
        case_errors.IllegalTransition,
    )
    def post(self, delivery_id):
        """Hall courier: the parcel was signed for"""
        return delivery_staff.hall_delivered(current_staff(), delivery_id)


@blp.route("/deliveries/<int:delivery_id>/picked-up")
class PickedUp(MethodView):
    @require_staff()
    @blp.arguments(PickupCodeSchema)
    @blp.response(200, StaffDeliverySchema)
    @declares(
        delivery_errors.DeliveryNotFound,
        delivery_errors.DeliveryStateConflict,
        delivery_errors.PickupCodeMismatch,
        delivery_errors.PickupCodeLocked,
        case_errors.CaseNotFound,
        case_errors.IllegalTransition,
    )
    def post(self, body, delivery_id):
        """The applicant collected the result at the window (pickup code checked; locked after repeated wrong codes)"""
        return delivery_staff.collected(current_staff(), delivery_id, pickup_code=body["pickup_code"])
