"""Mail-out of results (证照寄递): my address book, divisions, and how my result reaches me."""

from __future__ import annotations

from flask.views import MethodView

from app.cases import errors as case_errors
from app.catalog import errors as catalog_errors
from app.identity import errors as id_errors
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from delivery import addresses, divisions
from delivery import errors as delivery_errors
from delivery import service as delivery
from miniprogram_api.delivery_schemas import (
    AddressCreateSchema,
    AddressPageSchema,
    AddressPatchSchema,
    AddressSchema,
    DeliveryChoiceSchema,
    DeliverySchema,
    DivisionListSchema,
    DivisionQuerySchema,
    JointDeliveryChoiceSchema,
    JointDeliverySchema,
)
from miniprogram_api.security import current_principal, require_level

blp = Blueprint("delivery", __name__, description="Delivery of results (结果寄递与自取)")

LEVEL = 3


def _me() -> int:
    return current_principal().account_id


@blp.route("/addresses")
class Addresses(MethodView):
    @require_level(LEVEL)
    @blp.response(200, AddressPageSchema)
    def get(self):
        """My addresses, default first (masked)"""
        return addresses.list_addresses(_me())

    @require_level(LEVEL)
    @blp.arguments(AddressCreateSchema)
    @blp.response(201, AddressSchema)
    @declares(delivery_errors.AddressLimit, delivery_errors.InvalidDivision, id_errors.InvalidMobile)
    def post(self, body):
        """Add an address (mobile and division codes checked)"""
        return addresses.create_address(_me(), body)


@blp.route("/addresses/<int:address_id>")
class AddressItem(MethodView):
    @require_level(LEVEL)
    @blp.response(200, AddressSchema)
    @declares(delivery_errors.AddressNotFound)
    def get(self, address_id):
        """One of my addresses in full"""
        return addresses.get_address(_me(), address_id)

    @require_level(LEVEL)
    @blp.arguments(AddressPatchSchema)
    @blp.response(200, AddressSchema)
    @declares(delivery_errors.AddressNotFound, delivery_errors.InvalidDivision, id_errors.InvalidMobile)
    def patch(self, body, address_id):
        """Change an address, or make it the default"""
        return addresses.update_address(_me(), address_id, body)

    @require_level(LEVEL)
    @blp.response(204)
    @declares(delivery_errors.AddressNotFound)
    def delete(self, address_id):
        """Remove an address from my book"""
        addresses.delete_address(_me(), address_id)


@blp.route("/divisions")
class Divisions(MethodView):
    @blp.arguments(DivisionQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, DivisionListSchema)
    @declares(delivery_errors.InvalidDivision)
    def get(self, parent=None):
        """Administrative divisions: provinces, or the children of `parent`"""
        return {"items": divisions.children(parent)}


@blp.route("/applications/<int:case_id>/delivery")
class ApplicationDelivery(MethodView):
    @require_level(LEVEL)
    @blp.response(200, DeliverySchema)
    @declares(case_errors.CaseNotFound, catalog_errors.ServiceNotFound)
    def get(self, case_id):
        """How the result of my application reaches me: method, address, courier, waybill, routes"""
        return delivery.view(_me(), case_id)

    @require_level(LEVEL)
    @blp.arguments(DeliveryChoiceSchema)
    @blp.response(200, DeliverySchema)
    @declares(
        case_errors.CaseNotFound,
        catalog_errors.ServiceNotFound,
        delivery_errors.AddressNotFound,
        delivery_errors.DeliveryLocked,
        delivery_errors.DeliveryOptionUnavailable,
    )
    def put(self, body, case_id):
        """Choose mail (to one of my addresses) or pickup; changeable until the result is issued"""
        return delivery.choose(_me(), case_id, body)


@blp.route("/applications/<int:case_id>/delivery/pickup-code")
class ApplicationPickupCode(MethodView):
    @require_level(LEVEL)
    @blp.response(200, DeliverySchema)
    @declares(case_errors.CaseNotFound, delivery_errors.DeliveryStateConflict)
    def post(self, case_id):
        """Get a new pickup code (the old one stops working; a locked one is replaced)"""
        return delivery.reissue_pickup_code(_me(), case_id)


@blp.route("/deliveries/joint")
class JointDelivery(MethodView):
    @require_level(LEVEL)
    @blp.arguments(JointDeliveryChoiceSchema)
    @blp.response(200, JointDeliverySchema)
    @declares(
        case_errors.CaseNotFound,
        catalog_errors.ServiceNotFound,
        delivery_errors.AddressNotFound,
        delivery_errors.DeliveryLocked,
        delivery_errors.DeliveryOptionUnavailable,
    )
    def put(self, body):
        """Mail the results of several of my applications to one address: together in one parcel
        when all are issued, or each as it comes; changeable until a result is issued"""
        return delivery.choose_joint(current_principal(), body["case_ids"], body["address_id"], body["mode"])
