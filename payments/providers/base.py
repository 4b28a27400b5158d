"""The interface between payments/ and a provider: plain dataclasses in and out. SDK objects
never leave payments/providers/<provider>.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.clients.errors import ProviderError


class GatewayError(ProviderError):
    """A payment provider call failed. `retryable` says whether trying again later may help."""


class ProviderUnavailable(GatewayError):
    """Network trouble, 5xx, a busy answer, an unverifiable answer: try again later."""

    retryable = True


class OrderPaidAtProvider(GatewayError):
    """Close or re-create refused because the citizen has already paid."""


class NotificationRejected(Exception):
    """A callback we do not accept: forged, tampered, stale, signed with an unknown key or not
    decryptable. `reason` is for the log and the stored notification, never for the provider."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CreateOrder:
    out_trade_no: str
    amount_fen: int
    description: str
    payer_id: str  # WeChat openid / Alipay open_id or user_id
    expires_at: datetime  # UTC, naive
    notify_url: str


@dataclass(frozen=True)
class Prepay:
    """What the mini-program needs to open the provider's cashier."""

    provider_ref: str  # prepay_id / Alipay trade_no
    client_params: dict


@dataclass(frozen=True)
class TradeState:
    """A provider's view of an order (query answer or verified notification)."""

    out_trade_no: str
    state: str  # paid | pending | closed | refunded | unknown
    amount_fen: int | None = None
    provider_trade_no: str | None = None
    merchant_id: str | None = None  # mchid / seller's app
    app_id: str | None = None


@dataclass(frozen=True)
class Notice:
    """A verified notification. kind "payment" carries `trade`; kind "refund" the refund fields."""

    channel: str
    kind: str  # payment | refund | other
    event_id: str
    trade: TradeState | None = None
    out_refund_no: str | None = None
    refund_state: str | None = None  # succeeded | failed | processing
    provider_refund_id: str | None = None
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundCall:
    out_trade_no: str
    out_refund_no: str
    amount_fen: int
    total_fen: int
    reason: str
    notify_url: str


@dataclass(frozen=True)
class RefundOutcome:
    out_refund_no: str
    state: str  # succeeded | processing | failed | unknown
    provider_refund_id: str | None = None
