"""The electronic business licence simulator speaks its protocol: it refuses unsigned or wrongly
signed requests and signs every answer, bound to the request's nonce."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from app.enterprises.providers.ebl import response_message, sign_request
from sandbox.ebl import EBL_APP_ID, EBL_APP_SECRET, EblSandbox


@pytest.fixture(scope="module")
def sim():
    server = EblSandbox().start()
    yield server
    server.stop()


def _post(sim, path: str, payload: dict, *, secret: str = EBL_APP_SECRET, nonce: str = "n0nce"):
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    sig = sign_request(EBL_APP_ID, secret, path, body, timestamp=ts, nonce=nonce)
    auth = f"EBL-HMAC-SHA256 app_id={EBL_APP_ID},timestamp={ts},nonce={nonce},signature={sig}"
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    return requests.post(sim.url + path, data=body, headers=headers, timeout=5)


def _verify(sim, response, nonce: str) -> None:
    message = response_message(
        response.headers["Ebl-Timestamp"], response.headers["Ebl-Nonce"], nonce, response.content
    )
    sim.platform.public_key.verify(
        base64.b64decode(response.headers["Ebl-Signature"]), message, padding.PKCS1v15(), hashes.SHA256()
    )


def test_signed_answers_bound_to_the_request(sim):
    response = _post(sim, "/ebl/v1/qrcode/create", {"app_id": EBL_APP_ID, "scene": "login"}, nonce="abc")
    assert response.json()["code"] == "0"
    _verify(sim, response, "abc")
    with pytest.raises(InvalidSignature):
        _verify(sim, response, "another-request")


def test_wrongly_signed_requests_are_refused(sim):
    response = _post(sim, "/ebl/v1/qrcode/create", {"app_id": EBL_APP_ID}, secret="wrong-secret")
    assert response.json()["code"] == "40100"


def test_a_scan_is_handed_out_once(sim):
    ticket = _post(sim, "/ebl/v1/qrcode/create", {}).json()["data"]["ticket"]
    assert _post(sim, "/ebl/v1/qrcode/result", {"ticket": ticket}).json()["data"]["status"] == "WAITING"
    sim.scan(ticket, uscc="91539900MA2QLYC01P", holder_name="林晓岚", holder_id_number="539921199003071204")
    first = _post(sim, "/ebl/v1/qrcode/result", {"ticket": ticket}).json()
    assert first["data"]["status"] == "AUTHORIZED" and first["data"]["holder_role"] == "LEGAL_REPRESENTATIVE"
    assert _post(sim, "/ebl/v1/qrcode/result", {"ticket": ticket}).json()["code"] == "40401"
