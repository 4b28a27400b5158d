"""HTTP client of the electronic business licence platform's open API (scan-to-authorise login).

Requests: JSON bodies, authenticated with
    Authorization: EBL-HMAC-SHA256 app_id=<id>,timestamp=<s>,nonce=<n>,signature=<b64>
where signature = HMAC-SHA256(app secret, "<app_id>\\n<timestamp>\\n<nonce>\\n<path>\\n<body>").
Answers: `{"code": "0", "message": ..., "data": {...}}` with headers Ebl-Timestamp, Ebl-Nonce and
Ebl-Signature = base64 SHA256withRSA by the platform over
"<timestamp>\\n<nonce>\\n<our request nonce>\\n<raw body>" — verified over the raw bytes before
parsing, within the time window, bound to our request (a replayed answer to another request fails).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from pathlib import Path

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from app.enterprises.providers.base import (
    ROLES,
    EblAuthorization,
    EblBadResponse,
    EblBusy,
    EblNotConfigured,
    EblPending,
    EblTicket,
    EblTicketInvalid,
)

log = logging.getLogger(__name__)

CREATE_PATH = "/ebl/v1/qrcode/create"
RESULT_PATH = "/ebl/v1/qrcode/result"
# the platform's codes
OK = "0"
WAITING = "WAITING"
AUTHORIZED = "AUTHORIZED"
TICKET_CODES = {"40401", "40402", "40403"}  # unknown ticket, expired, rejected by the holder
BUSY_CODES = {"50000", "50301"}


def _load_public_key(value: str):
    text = value
    if "BEGIN" not in value:
        path = Path(value)
        if not path.is_file():
            raise EblNotConfigured("EBL_PLATFORM_PUBLIC_KEY is neither a PEM nor a readable file")
        text = path.read_text()
    try:
        return serialization.load_pem_public_key(text.encode())
    except ValueError:
        raise EblNotConfigured("EBL_PLATFORM_PUBLIC_KEY is not a PEM public key") from None


def sign_request(app_id: str, secret: str, path: str, body: bytes, *, timestamp: str, nonce: str) -> str:
    message = f"{app_id}\n{timestamp}\n{nonce}\n{path}\n".encode() + body
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def response_message(timestamp: str, nonce: str, request_nonce: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce}\n{request_nonce}\n".encode() + body


class EblGateway:
    def __init__(
        self,
        *,
        api_base: str,
        app_id: str,
        app_secret: str,
        platform_public_key: str,
        timeout: float = 5.0,
        window: int = 300,
    ):
        self.api_base = api_base.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.public_key = _load_public_key(platform_public_key)
        self.timeout = timeout
        self.window = window
        self.session = requests.Session()

    # ------------------------------------------------------------ transport

    def _call(self, path: str, payload: dict) -> dict:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = sign_request(self.app_id, self.app_secret, path, body, timestamp=timestamp, nonce=nonce)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": (
                f"EBL-HMAC-SHA256 app_id={self.app_id},timestamp={timestamp},nonce={nonce},signature={signature}"
            ),
        }
        try:
            response = self.session.post(self.api_base + path, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise EblBusy(f"{path}: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise EblBusy(f"{path}: HTTP {response.status_code}", provider_code=str(response.status_code))
        self._verify(response, nonce)
        try:
            answer = json.loads(response.content)
        except ValueError:
            raise EblBadResponse(f"{path}: body is not JSON") from None
        if not isinstance(answer, dict):
            raise EblBadResponse(f"{path}: body is not an object")
        code = str(answer.get("code"))
        if code == OK:
            data = answer.get("data")
            if not isinstance(data, dict):
                raise EblBadResponse(f"{path}: no data")
            return data
        if code in TICKET_CODES:
            raise EblTicketInvalid(f"{path}: {code}", provider_code=code)
        if code in BUSY_CODES:
            raise EblBusy(f"{path}: {code}", provider_code=code)
        if code == "40100":  # our own signature or app id refused: a configuration problem
            raise EblNotConfigured(f"{path}: the platform refused our credentials")
        raise EblBadResponse(f"{path}: code {code}", provider_code=code)

    def _verify(self, response, request_nonce: str) -> None:
        timestamp = response.headers.get("Ebl-Timestamp", "")
        nonce = response.headers.get("Ebl-Nonce", "")
        signature = response.headers.get("Ebl-Signature", "")
        if not (timestamp.isdigit() and nonce and signature):
            raise EblBadResponse("unsigned answer")
        if abs(time.time() - int(timestamp)) > self.window:
            raise EblBadResponse("answer outside the signature window")
        try:
            raw = base64.b64decode(signature, validate=True)
            self.public_key.verify(
                raw,
                response_message(timestamp, nonce, request_nonce, response.content),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            raise EblBadResponse("bad signature") from None

    # ------------------------------------------------------------ operations

    def create_ticket(self) -> EblTicket:
        """A scan ticket and the QR content to show for it."""
        data = self._call(CREATE_PATH, {"app_id": self.app_id, "scene": "login"})
        try:
            return EblTicket(
                ticket=str(data["ticket"]), qr_content=str(data["qr_content"]), expires_in=int(data["expires_in"])
            )
        except (KeyError, TypeError, ValueError):
            raise EblBadResponse("create: malformed data") from None

    def fetch_result(self, ticket: str) -> EblAuthorization:
        """The holder's authorisation for `ticket`; EblPending until confirmed, EblTicketInvalid
        when unknown, expired, declined or already used."""
        data = self._call(RESULT_PATH, {"app_id": self.app_id, "ticket": ticket})
        status = data.get("status")
        if status == WAITING:
            raise EblPending("waiting for the holder")
        if status != AUTHORIZED:
            raise EblBadResponse(f"result: status {status!r}")
        try:
            out = EblAuthorization(
                ticket=str(data["ticket"]),
                uscc=str(data["uscc"]),
                entity_name=str(data["entity_name"]),
                holder_name=str(data["holder_name"]),
                holder_id_number=str(data["holder_id_number"]),
                holder_role=str(data["holder_role"]),
            )
        except (KeyError, TypeError):
            raise EblBadResponse("result: malformed data") from None
        if out.ticket != ticket or out.holder_role not in ROLES:
            raise EblBadResponse("result: for another ticket or an unknown role")
        return out
