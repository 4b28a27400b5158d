"""Subscribe-message plumbing shared by the simulators: what each send endpoint received, and
"holds" that keep a send waiting so a test can kill the sender mid-request.

A held request waits `seconds` before it is processed. If the client has gone away by then (its
process was killed, its timeout fired) the message is **not** delivered and the attempt is
recorded with outcome "aborted" — like a provider that never got to process a request whose
connection died. Controls of the WeChat simulator (documented in sandbox.wechat):

- `POST /sandbox/subscribe/hold` `{"seconds": 5, "times"?: 1}`
- `GET  /sandbox/subscribe/received?limit=50` — every send attempt with its outcome
  ("delivered", "errcode <n>", "aborted"), touser, template_id, page and data.
"""

from __future__ import annotations

import socket
import time

from flask import Flask, jsonify, request

from sandbox.common import bad_control, control_payload


def take_hold(holds: list[dict], lock) -> float:
    """Seconds the current request must wait (0 when no hold is scripted)."""
    with lock:
        if not holds:
            return 0.0
        hold = holds[0]
        hold["times"] -= 1
        if hold["times"] <= 0:
            holds.pop(0)
        return float(hold["seconds"])


def client_gone(environ: dict) -> bool:
    """True when the peer of this request closed its connection (reads nothing, does not block)."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return False
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return data == b""


def hold(seconds: float, environ: dict) -> bool:
    """Wait `seconds`; False as soon as the client is gone (the request must then be dropped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client_gone(environ):
            return False
        time.sleep(0.02)
    return not client_gone(environ)


def register_hold_controls(app: Flask, state, prefix: str) -> None:
    """`POST {prefix}/hold` and `GET {prefix}/received` on a simulator whose state has
    `<name>_holds` / `<name>_received` lists (name = the last part of prefix)."""
    name = prefix.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
    holds = getattr(state, f"{name}_holds")
    received = getattr(state, f"{name}_received")

    @app.post(f"{prefix}/hold", endpoint=f"{name}_hold")
    def add_hold():
        try:
            payload = control_payload()
            entry = {"seconds": float(payload.get("seconds", 5)), "times": max(1, int(payload.get("times", 1)))}
        except ValueError:
            return bad_control("give seconds (and times)")
        if not 0 < entry["seconds"] <= 120:
            return bad_control("seconds must be in (0, 120]")
        with state.lock:
            holds.append(entry)
        return jsonify(entry)

    @app.get(f"{prefix}/received", endpoint=f"{name}_received")
    def list_received():
        limit = min(int(request.args.get("limit", 50)), 1000)
        with state.lock:
            return jsonify({"items": list(received[-limit:])})
