"""The "hall" courier: staff hand the parcel to whichever courier comes to the window and type
the waybill number. Nothing is called; there is no order to place and no route feed."""

from __future__ import annotations

from delivery.providers.base import Courier, CourierRejected, CreateOrder, OrderResult, Route, RoutePushBatch


class HallCourier(Courier):
    name = "hall"
    display_name = "窗口交寄"

    def create_order(self, order: CreateOrder) -> OrderResult:
        raise CourierRejected("the hall courier takes no orders: staff enter the waybill")

    def find_order(self, order_id: str) -> OrderResult | None:
        return None

    def cancel_order(self, order_id: str) -> None:
        return None

    def query_routes(self, order_id: str) -> list[Route]:
        return []

    def parse_push(self, form: dict[str, str]) -> RoutePushBatch:
        raise CourierRejected("the hall courier sends no pushes")
