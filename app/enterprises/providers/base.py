"""The interface between the enterprise core and the electronic business licence (电子营业执照)
platform's scan-to-authorise login.

The flow: we ask the platform for a scan ticket (`create_ticket`) and show its QR code; the
licence holder scans it in the 电子营业执照 app and confirms (the app verifies the holder); we ask
for the outcome (`fetch_result`), which names the entity (USCC, name) and the holder (name, ID
number, role). Every answer is signed by the platform and verified before it is believed.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.clients.errors import ProviderError

# The holder roles the platform names; only the legal representative binds.
ROLE_LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"
ROLES = (ROLE_LEGAL_REPRESENTATIVE, "AGENT", "MANAGER")


@dataclass(frozen=True)
class EblTicket:
    ticket: str
    qr_content: str
    expires_in: int


@dataclass(frozen=True)
class EblAuthorization:
    """A holder authorised the login for the entity: what the platform vouches for."""

    ticket: str
    uscc: str
    entity_name: str
    holder_name: str
    holder_id_number: str
    holder_role: str


class EblError(ProviderError):
    error = "EBL_PROVIDER_ERROR"
    message = "电子营业执照服务暂时异常，请稍后再试"
    http_status = 502


class EblNotConfigured(EblError):
    error = "EBL_LOGIN_DISABLED"
    message = "暂未开通电子营业执照扫码登录"
    http_status = 404


class EblBusy(EblError):
    """Network errors, 5xx, the platform's "busy": try again later."""

    retryable = True
    error = "EBL_PROVIDER_BUSY"
    message = "电子营业执照服务繁忙，请稍后再试"
    http_status = 503


class EblBadResponse(EblError):
    """A bad or missing signature, a stale or replayed answer, a malformed body: never trusted."""

    error = "EBL_RESPONSE_INVALID"
    message = "电子营业执照服务返回异常，请稍后再试"
    http_status = 502


class EblPending(EblError):
    """The holder has not scanned and confirmed yet."""

    retryable = True
    error = "EBL_SCAN_PENDING"
    message = "请使用电子营业执照小程序扫码并确认授权"
    http_status = 409


class EblTicketInvalid(EblError):
    """Unknown, expired or already used ticket, or the holder declined."""

    error = "EBL_TICKET_INVALID"
    message = "扫码授权已失效，请重新扫码"
    http_status = 409


EBL_ERRORS = (EblNotConfigured, EblBusy, EblBadResponse, EblPending, EblTicketInvalid)
