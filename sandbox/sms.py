"""In-process SMS fakes for development and tests (no loopback server: they send nothing).

Loaded by name through app/devfakes.py when SMS_PROVIDER (or NOTIFICATIONS_SMS_PROVIDER) is
`sandbox`, which only the development and testing configurations allow; production refuses the
setting at start-up.

* `SandboxSmsProvider` (login codes): keeps the last code per phone in Redis, keyed by the
  phone's lookup hash, for tests and front-end developers (`flask residents sms-code MOBILE`),
  and logs it next to the masked phone.
* `SandboxSmsNotifier` (notifications): appends {template_code, params, masked phone} to the
  Redis list `sms:sandbox:notifications`.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

from app import crypto
from app.extensions import redis_ext
from app.identity import registry
from app.identity.sms import SmsProvider
from notifications.providers.base import Outgoing
from notifications.providers.sms import SmsNotifier

log = logging.getLogger(__name__)

NOTIFICATIONS_KEY = "sms:sandbox:notifications"


class SandboxSmsProvider(SmsProvider):
    name = "sandbox"
    KEY_PREFIX = "sms:sandbox:"

    def send_code(self, mobile: str, code: str, *, ttl_seconds: int) -> str:
        message_id = "sandbox-" + uuid.uuid4().hex
        record = {"code": code, "message_id": message_id, "sent_at": datetime.now(UTC).isoformat()}
        redis_ext.client.set(self.KEY_PREFIX + registry.phone_hash(mobile), json.dumps(record), ex=ttl_seconds)
        # Development only: the code is what a front-end developer needs; the phone stays masked.
        log.info("sandbox SMS code for %s: %s", crypto.mask_phone(mobile), code)
        return message_id

    @classmethod
    def last_code(cls, mobile: str) -> str | None:
        """The code last "sent" to `mobile` while it is still valid, else None."""
        raw = redis_ext.client.get(cls.KEY_PREFIX + registry.phone_hash(registry.normalise_mobile(mobile)))
        return json.loads(raw)["code"] if raw else None


class SandboxSmsNotifier(SmsNotifier):
    name = "sandbox"

    def __init__(self, redis_client):
        self.redis = redis_client

    def send(self, message: Outgoing) -> str:
        message_id = "sandbox-" + uuid.uuid4().hex
        record = {
            "message_id": message_id,
            "phone": crypto.mask_phone(message.recipient),
            "template_code": message.template_id,
            "params": message.data,
        }
        self.redis.rpush(NOTIFICATIONS_KEY, json.dumps(record, ensure_ascii=False))
        return message_id
