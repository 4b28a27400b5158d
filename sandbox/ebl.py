"""Loopback simulator of the electronic business licence (电子营业执照) platform's scan-to-authorise
login, speaking the protocol app/enterprises/providers/ebl.py implements: HMAC-signed requests
from the relying party (app id + secret), SHA256withRSA-signed answers bound to the request's
nonce.

    sim = EblSandbox().start()
    app = create_app("testing", **sim.settings)           # ENTERPRISE_EBL_ENABLED and EBL_*
    sim.scan(ticket, uscc=..., holder_name=..., holder_id_number=..., role="LEGAL_REPRESENTATIVE")
    sim.tamper_next("signature" | "body" | "stale" | "replay")
    sim.stop()

Controls (the simulated 电子营业执照 app and test hooks) live under /sandbox/ebl/.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from flask import Flask, Response, request
from werkzeug.serving import make_server

from sandbox.common import QuietRequestHandler
from sandbox.keys import KeyPair, generate_keypair

EBL_APP_ID = "ebl-zsb-sandbox"
EBL_APP_SECRET = "sandbox-ebl-app-secret-000000000"  # noqa: S105 - a simulator's public value
TICKET_TTL = 300


def _request_signature(secret: str, app_id: str, timestamp: str, nonce: str, path: str, body: bytes) -> str:
    message = f"{app_id}\n{timestamp}\n{nonce}\n{path}\n".encode() + body
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


@dataclass
class EblState:
    platform: KeyPair
    apps: dict[str, str]  # app_id -> secret
    tickets: dict[str, dict] = field(default_factory=dict)
    tamper: list[str] = field(default_factory=list)
    last_answer: dict | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)


def create_ebl_sandbox(state: EblState) -> Flask:
    app = Flask("sandbox.ebl")
    app.json.ensure_ascii = False

    def answer(payload: dict, request_nonce: str, status: int = 200) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        with state.lock:
            mode = state.tamper.pop(0) if state.tamper else None
            replay = state.last_answer
        if mode == "stale":
            timestamp = str(int(time.time()) - 3600)
        message = f"{timestamp}\n{nonce}\n{request_nonce}\n".encode() + body
        signature = base64.b64encode(
            state.platform.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        ).decode()
        if mode == "signature":
            signature = base64.b64encode(b"\x00" * 256).decode()
        if mode == "body":
            body = body.replace(b'"code"', b'"code" ', 1)
        headers = {"Ebl-Timestamp": timestamp, "Ebl-Nonce": nonce, "Ebl-Signature": signature}
        if mode == "replay" and replay is not None:
            # an earlier genuine answer (signed for another request) played back
            return Response(replay["body"], status=200, headers=replay["headers"], mimetype="application/json")
        with state.lock:
            state.last_answer = {"body": body, "headers": headers}
        return Response(body, status=status, headers=headers, mimetype="application/json")

    def authenticate(path: str) -> tuple[str | None, str]:
        header = request.headers.get("Authorization", "")
        scheme, _, params = header.partition(" ")
        fields = dict(part.split("=", 1) for part in params.split(",") if "=" in part)
        nonce = fields.get("nonce", "")
        secret = state.apps.get(fields.get("app_id", ""))
        if scheme != "EBL-HMAC-SHA256" or secret is None or not fields.get("timestamp", "").isdigit():
            return None, nonce
        if abs(time.time() - int(fields["timestamp"])) > 300:
            return None, nonce
        expected = _request_signature(secret, fields["app_id"], fields["timestamp"], nonce, path, request.get_data())
        if not hmac.compare_digest(expected, fields.get("signature", "")):
            return None, nonce
        return fields["app_id"], nonce

    @app.post("/ebl/v1/qrcode/create")
    def create():
        app_id, nonce = authenticate("/ebl/v1/qrcode/create")
        if app_id is None:
            return answer({"code": "40100", "message": "signature verification failed"}, nonce)
        ticket = "ebl_t_" + secrets.token_hex(12)
        with state.lock:
            state.tickets[ticket] = {"app_id": app_id, "status": "WAITING", "expires": time.time() + TICKET_TTL}
        data = {"ticket": ticket, "qr_content": f"https://ebl.sandbox/scan?t={ticket}", "expires_in": TICKET_TTL}
        return answer({"code": "0", "message": "success", "data": data}, nonce)

    @app.post("/ebl/v1/qrcode/result")
    def result():
        app_id, nonce = authenticate("/ebl/v1/qrcode/result")
        if app_id is None:
            return answer({"code": "40100", "message": "signature verification failed"}, nonce)
        ticket = str((request.get_json(silent=True) or {}).get("ticket", ""))
        with state.lock:
            row = state.tickets.get(ticket)
            if row is None or row["app_id"] != app_id:
                return answer({"code": "40401", "message": "ticket not found"}, nonce)
            if row["expires"] < time.time():
                return answer({"code": "40402", "message": "ticket expired"}, nonce)
            if row["status"] == "REJECTED":
                return answer({"code": "40403", "message": "rejected by the holder"}, nonce)
            if row["status"] == "USED":
                return answer({"code": "40401", "message": "ticket already used"}, nonce)
            if row["status"] == "WAITING":
                return answer(
                    {"code": "0", "message": "success", "data": {"ticket": ticket, "status": "WAITING"}}, nonce
                )
            row["status"] = "USED"  # an authorisation is handed out once
            data = {"ticket": ticket, "status": "AUTHORIZED", **row["holder"]}
        return answer({"code": "0", "message": "success", "data": data}, nonce)

    # ---------------------------------------------------------------- controls

    @app.post("/sandbox/ebl/scan/<ticket>")
    def scan(ticket: str):
        """The holder scans the QR code in the 电子营业执照 app and confirms (or declines)."""
        body = request.get_json(force=True)
        with state.lock:
            row = state.tickets.get(ticket)
            if row is None:
                return {"error": "unknown ticket"}, 404
            if body.get("outcome", "authorize") == "reject":
                row["status"] = "REJECTED"
            else:
                row["status"] = "AUTHORIZED"
                row["holder"] = {
                    "uscc": body["uscc"],
                    "entity_name": body.get("entity_name", ""),
                    "holder_name": body["holder_name"],
                    "holder_id_number": body["holder_id_number"],
                    "holder_role": body.get("role", "LEGAL_REPRESENTATIVE"),
                }
        return {"ticket": ticket, "status": row["status"]}

    @app.post("/sandbox/ebl/tamper-next")
    def tamper_next():
        body = request.get_json(force=True)
        with state.lock:
            state.tamper.extend([body.get("mode", "signature")] * int(body.get("times", 1)))
        return {"queued": len(state.tamper)}

    return app


class EblSandbox:
    """The simulator on its own loopback server (port 0 = any free port)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
        self.platform = generate_keypair()
        self.state = EblState(platform=self.platform, apps={EBL_APP_ID: EBL_APP_SECRET})
        self._server = make_server(
            host,
            port,
            create_ebl_sandbox(self.state),
            threaded=True,
            request_handler=QuietRequestHandler if quiet else None,
        )
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread: threading.Thread | None = None

    def start(self) -> EblSandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-ebl", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    @property
    def settings(self) -> dict:
        return {
            "ENTERPRISE_EBL_ENABLED": True,
            "EBL_API_BASE": self.url,
            "EBL_APP_ID": EBL_APP_ID,
            "EBL_APP_SECRET": EBL_APP_SECRET,
            "EBL_PLATFORM_PUBLIC_KEY": self.platform.public_pem,
        }

    def scan(self, ticket: str, *, outcome: str = "authorize", **holder) -> dict:
        """holder: uscc=, holder_name=, holder_id_number=, role= (LEGAL_REPRESENTATIVE / AGENT), entity_name=."""
        response = requests.post(
            f"{self.url}/sandbox/ebl/scan/{ticket}", json={"outcome": outcome, **holder}, timeout=5
        )
        response.raise_for_status()
        return response.json()

    def tamper_next(self, mode: str = "signature", times: int = 1) -> dict:
        response = requests.post(f"{self.url}/sandbox/ebl/tamper-next", json={"mode": mode, "times": times}, timeout=5)
        response.raise_for_status()
        return response.json()
