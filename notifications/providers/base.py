"""The interface of the delivery channels: what to send, and the typed errors.

Retryable errors (network failures, WeChat -1 "busy", HTTP 5xx, a refused access token) are retried
with backoff by the send job through rq Retry; the others are final for the message: recorded on
it (error_code), never retried, and the inbox copy stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.clients.errors import ProviderError


@dataclass(frozen=True)
class Outgoing:
    """One message for one provider: `recipient` is the openid / Alipay user id / phone."""

    recipient: str
    template_id: str
    data: dict
    page: str = ""
    extra: dict = field(default_factory=dict)


class SendError(ProviderError):
    """A send failed. `code` is the provider's code (errcode, sub_code, HTTP status) or ours."""

    retryable = False
    code = "SEND_FAILED"

    def __init__(self, detail: str = "", *, code: str | None = None):
        super().__init__(detail or self.code)
        self.detail = detail
        if code is not None:
            self.code = code


class RetryableSendError(SendError):
    """Trying again later may work: network, provider busy (-1), 5xx, token refused."""

    retryable = True
    code = "PROVIDER_BUSY"


class PermanentSendError(SendError):
    """The provider refuses this message: retrying sends the same refusal (40003 bad openid,
    47003 bad data, 40037 bad template, 41030 bad page)."""


class ConsentRefused(PermanentSendError):
    """WeChat 43101 (or Alipay's equivalent): the citizen refused, or the one-time authorisation
    is used up. The subscription is turned off; the inbox copy carries the message."""

    code = "43101"


class ChannelNotConfigured(PermanentSendError):
    code = "CHANNEL_NOT_CONFIGURED"
