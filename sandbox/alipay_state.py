"""In-memory state and response signing of the Alipay simulator."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox.common import CallLog, FailureRule, mask

CERTIFY_TTL = 23 * 3600
TAMPER_MODES = ("body", "signature", "unsigned", "replay")


@dataclass
class Certification:
    certify_id: str
    app_id: str
    outer_order_no: str
    biz_code: str
    cert_name: str
    cert_no: str
    return_url: str
    created: float
    passed: str | None = None  # "T" / "F" once the phone reported
    fail_reason: str | None = None

    def public(self) -> dict:
        return {
            "certify_id": self.certify_id,
            "app_id": self.app_id,
            "outer_order_no": self.outer_order_no,
            "cert_name": mask(self.cert_name),
            "created": round(self.created, 3),
            "passed": self.passed,
            "fail_reason": self.fail_reason,
        }


@dataclass
class AlipayState:
    """apps: app_id -> the app's public key (PEM) registered at "Alipay"; alipay_private_pem signs
    every response."""

    apps: dict[str, str]
    alipay_private_pem: str
    lock: threading.RLock = field(default_factory=threading.RLock)
    used_codes: set[tuple[str, str]] = field(default_factory=set)
    certifications: dict[str, Certification] = field(default_factory=dict)
    outer_order_nos: set[tuple[str, str]] = field(default_factory=set)
    failures: list[FailureRule] = field(default_factory=list)
    tampering: list[str] = field(default_factory=list)
    last_response: str | None = None
    calls: CallLog = field(default_factory=CallLog)
    # mini-program messages (sandbox.alipay_messages)
    mini_messages: list[dict] = field(default_factory=list)
    mini_message_errors: list[dict] = field(default_factory=list)
    mini_message_holds: list[dict] = field(default_factory=list)
    mini_message_received: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self._private_key = serialization.load_pem_private_key(self.alipay_private_pem.encode(), password=None)
        self._app_keys = {app_id: serialization.load_pem_public_key(pem.encode()) for app_id, pem in self.apps.items()}

    # ------------------------------------------------------------------ signatures

    def verify_request(self, app_id: str, content: str, sign: str) -> bool:
        key = self._app_keys.get(app_id)
        if key is None:
            return False
        try:
            key.verify(
                base64.b64decode(sign, validate=True), content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def sign(self, content: str) -> str:
        raw = self._private_key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode()

    def signed_body(self, response_key: str, payload: dict) -> str:
        """`{"<method>_response":{...},"sign":"..."}` where sign is SHA256withRSA over exactly the
        text of the `_response` object as it appears in the body — what the SDK extracts and checks."""
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        with self.lock:
            mode = self.tampering.pop(0) if self.tampering else None
            previous = self.last_response
        if mode == "replay" and previous:
            return previous
        if mode == "unsigned":
            return '{"%s":%s}' % (response_key, content)  # noqa: UP031 - the exact wire text matters
        sign = self.sign(content + " " if mode == "signature" else content)
        if mode == "body":
            content = content[:-1] + ',"tampered":"yes"}'
        body = '{"%s":%s,"sign":"%s"}' % (response_key, content, sign)  # noqa: UP031
        if mode is None:
            with self.lock:
                self.last_response = body
        return body
