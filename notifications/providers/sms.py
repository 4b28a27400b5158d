"""SMS notifications behind a small provider interface; off unless NOTIFICATIONS_SMS_ENABLED.

Providers (NOTIFICATIONS_SMS_PROVIDER, default: SMS_PROVIDER of identity):
* `sandbox` — development and testing only: the in-process fake of sandbox/sms.py (appends
  {template_code, params, masked phone} to a Redis list), loaded by app.devfakes.
* `aliyun` — Aliyun SendSms through the shared client of app.clients.sms (the one identity's
  login codes use), with the notification template code and its params.
The phone is looked up at send time (app.identity.service.notification_phone) and never stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from app.clients.sms.aliyun import DEFAULT_ENDPOINT, AliyunSmsClient, AliyunSmsError
from notifications.providers.base import Outgoing, PermanentSendError, RetryableSendError


class SmsNotifier(ABC):
    name = "abstract"

    @abstractmethod
    def send(self, message: Outgoing) -> str:
        """Send `message.data` (template params) with template `message.template_id` to the phone
        `message.recipient`; the provider's message id, or a base.SendError."""


class AliyunSmsNotifier(SmsNotifier):
    name = "aliyun"

    def __init__(self, client: AliyunSmsClient):
        self.client = client

    def send(self, message: Outgoing) -> str:
        try:
            return self.client.send(message.recipient, message.template_id, message.data)
        except AliyunSmsError as exc:
            if exc.kind == "network":
                raise RetryableSendError(f"aliyun SMS {exc.detail}", code="NETWORK") from exc
            if exc.kind == "bad_answer":
                raise RetryableSendError("aliyun SMS answered without JSON", code="BAD_ANSWER") from exc
            code = exc.provider_code or ""
            if exc.retryable:
                raise RetryableSendError(f"aliyun SMS: {code}", code=code[:32]) from exc
            raise PermanentSendError(f"aliyun SMS: {code}", code=code[:32]) from exc


def build(config, redis_client) -> SmsNotifier:
    name = config.get("NOTIFICATIONS_SMS_PROVIDER") or config.get("SMS_PROVIDER", "")
    if name == "sandbox":
        from app import devfakes

        return devfakes.load("notifications-sms")(redis_client)
    if name == "aliyun":
        return AliyunSmsNotifier(
            AliyunSmsClient(
                access_key_id=config.get("SMS_ALIYUN_ACCESS_KEY_ID", ""),
                access_key_secret=config.get("SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
                sign_name=config.get("SMS_ALIYUN_SIGN_NAME", ""),
                endpoint=config.get("SMS_ALIYUN_ENDPOINT") or DEFAULT_ENDPOINT,
            )
        )
    raise ValueError(f"unknown SMS provider {name!r}")
