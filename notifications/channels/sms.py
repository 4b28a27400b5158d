"""SMS notifications behind a small provider interface; off unless NOTIFICATIONS_SMS_ENABLED.

Providers (NOTIFICATIONS_SMS_PROVIDER, default: SMS_PROVIDER of identity):
* `sandbox` — development and testing only: the in-process fake of sandbox/sms.py (appends
  {template_code, params, masked phone} to a Redis list), loaded by app.devfakes.
* `aliyun` — Aliyun SendSms, signed by identity's AliyunSmsProvider (same HMAC-SHA1 request
  signing and error classification), with the notification template code and its params.
The phone is looked up at send time (app.identity.service.notification_phone) and never stored.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod

import requests

from app.identity.sms import AliyunSmsProvider
from notifications.channels.base import Outgoing, PermanentSendError, RetryableSendError


class SmsNotifier(ABC):
    name = "abstract"

    @abstractmethod
    def send(self, message: Outgoing) -> str:
        """Send `message.data` (template params) with template `message.template_id` to the phone
        `message.recipient`; the provider's message id, or a base.SendError."""


class AliyunSmsNotifier(SmsNotifier):
    name = "aliyun"

    def __init__(self, provider: AliyunSmsProvider):
        self.provider = provider

    def send(self, message: Outgoing) -> str:
        p = self.provider
        params = p.signed_params(message.recipient, "")
        params["TemplateCode"] = message.template_id
        params["TemplateParam"] = json.dumps(message.data, ensure_ascii=False, separators=(",", ":"))
        params.pop("Signature")
        params["Signature"] = p.sign(p.access_key_secret, params)
        signature = params.pop("Signature")
        url = f"{p.endpoint}?Signature={p.percent_encode(signature)}&{p.canonical_query(params)}"
        try:
            response = requests.get(url, timeout=p.timeout)
            body = response.json()
        except requests.RequestException as exc:
            raise RetryableSendError(f"aliyun SMS unreachable: {type(exc).__name__}", code="NETWORK") from exc
        except ValueError as exc:
            raise RetryableSendError("aliyun SMS answered without JSON", code="BAD_ANSWER") from exc
        code = str(body.get("Code", ""))
        if code == "OK":
            return str(body.get("BizId", ""))
        if code in p.RETRYABLE or response.status_code >= 500:
            raise RetryableSendError(f"aliyun SMS: {code}", code=code[:32])
        raise PermanentSendError(f"aliyun SMS: {code}", code=code[:32])


def build(config, redis_client) -> SmsNotifier:
    name = config.get("NOTIFICATIONS_SMS_PROVIDER") or config.get("SMS_PROVIDER", "")
    if name == "sandbox":
        from app import devfakes

        return devfakes.load("notifications-sms")(redis_client)
    if name == "aliyun":
        return AliyunSmsNotifier(
            AliyunSmsProvider(
                access_key_id=config.get("SMS_ALIYUN_ACCESS_KEY_ID", ""),
                access_key_secret=config.get("SMS_ALIYUN_ACCESS_KEY_SECRET", ""),
                sign_name=config.get("SMS_ALIYUN_SIGN_NAME", ""),
                template_code="notifications",  # replaced per message
                endpoint=config.get("SMS_ALIYUN_ENDPOINT") or "https://dysmsapi.aliyuncs.com/",
            )
        )
    raise ValueError(f"unknown SMS provider {name!r}")
