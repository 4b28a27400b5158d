"""The courier interface: small dataclasses in and out, typed errors separating what a retry
may fix (an outage, a timeout) from what it cannot (a refused order, a bad configuration).
Provider payloads never leave their adapter module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.clients.errors import ProviderError


class CourierError(ProviderError):
    """A courier call failed. `code` is the provider's error code when it gave one."""

    retryable = False

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message, provider_code=code)
        self.code = code


class CourierUnavailable(CourierError):
    """Network error, timeout, 5xx or the provider's 'busy': try again later."""

    retryable = True


class CourierRejected(CourierError):
    """The provider refused the request (bad address, bad credentials …): a retry will not help."""


class DuplicateOrder(CourierRejected):
    """The order id was already used — our earlier attempt reached the courier."""


class PushRejected(Exception):
    """A route push whose digest, timestamp or shape is wrong (answered with an error body).
    `reason`: "digest", "timestamp" or "format"."""

    def __init__(self, message: str, *, reason: str = "format"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Party:
    name: str
    mobile: str
    province: str
    city: str
    county: str
    address: str


@dataclass(frozen=True)
class CreateOrder:
    order_id: str
    sender: Party
    receiver: Party
    cargo: str


@dataclass(frozen=True)
class OrderResult:
    order_id: str
    waybill_no: str


@dataclass(frozen=True)
class Route:
    """One route update. `route_key` identifies it at the courier (repeats carry the same key)."""

    order_id: str | None
    waybill_no: str
    route_key: str
    op_code: str
    accept_time: datetime
    accept_address: str = ""
    remark: str = ""


@dataclass(frozen=True)
class RoutePushBatch:
    routes: list[Route] = field(default_factory=list)


class Courier:
    """What delivery/ asks of a courier."""

    name: str
    display_name: str

    def create_order(self, order: CreateOrder) -> OrderResult:
        raise NotImplementedError

    def find_order(self, order_id: str) -> OrderResult | None:
        """The waybill of an order placed earlier (after DuplicateOrder)."""
        raise NotImplementedError

    def cancel_order(self, order_id: str) -> None:
        raise NotImplementedError

    def query_routes(self, order_id: str) -> list[Route]:
        raise NotImplementedError

    def parse_push(self, form: dict[str, str]) -> RoutePushBatch:
        raise NotImplementedError
