"""What both simulators share: the call log, scripted failures and masking of personal data."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import Flask, Response, jsonify, request
from werkzeug.serving import WSGIRequestHandler

# Values of these keys never appear in full in the call log (the log is served over HTTP).
MASKED_KEYS = frozenset(
    {"secret", "access_token", "session_key", "cert_no", "cert_name", "id_number", "name", "sign", "refresh_token"}
)


def mask(value: str) -> str:
    value = str(value)
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * min(len(value) - 2, 8) + value[-1]


def masked(data):
    """A copy of a JSON-like structure with the values of MASKED_KEYS masked."""
    if isinstance(data, dict):
        return {k: (mask(v) if k in MASKED_KEYS and isinstance(v, str) else masked(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [masked(v) for v in data]
    return data


@dataclass
class FailureRule:
    """One scripted failure: the next `times` matching requests get this answer instead."""

    path_prefix: str = ""
    method: str = ""  # Alipay only: the gateway `method` parameter to match ("" = any)
    http_status: int = 200
    body: str | None = None  # raw body; None = the simulator's own error shape for `errcode`
    errcode: str | None = None
    times: int = 1


@dataclass
class CallLog:
    """The last `maxlen` provider calls, for `GET /sandbox/calls` and for tests."""

    maxlen: int = 500
    _calls: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, entry: dict) -> None:
        with self._lock:
            self._calls.append(entry)
            while len(self._calls) > self.maxlen:
                self._calls.popleft()

    def recent(self, limit: int = 50, path: str | None = None) -> list[dict]:
        with self._lock:
            calls = [c for c in self._calls if path is None or c["path"].startswith(path)]
        return calls[-limit:][::-1]


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without the per-request access line (tests make thousands of calls),
    speaking HTTP/1.1 so that pooled clients keep their connection, as with the real APIs."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code="-", size="-"):
        pass


def install_call_log(app: Flask, log: CallLog, summarise) -> None:
    """Record every provider call (not the /sandbox controls) with `summarise(response) -> dict`."""

    @app.after_request
    def _record(response: Response):
        if request.path.startswith("/sandbox"):
            return response
        entry = {
            "at": round(time.time(), 3),
            "method": request.method,
            "path": request.path,
            "query": masked(request.args.to_dict()),
            "status": response.status_code,
        }
        entry.update(summarise(response))
        log.record(entry)
        return response


def take_failure(rules: list[FailureRule], lock, path: str, method: str = "") -> FailureRule | None:
    with lock:
        for rule in rules:
            if path.startswith(rule.path_prefix) and rule.method in ("", method):
                rule.times -= 1
                if rule.times <= 0:
                    rules.remove(rule)
                return rule
    return None


def failure_rule_from_json(payload: dict) -> FailureRule:
    rule = FailureRule(
        path_prefix=str(payload.get("path", "")),
        method=str(payload.get("method", "")),
        http_status=int(payload.get("http_status", 200)),
        body=payload.get("body"),
        errcode=None if payload.get("errcode") is None else str(payload["errcode"]),
        times=max(1, int(payload.get("times", 1))),
    )
    if rule.http_status == 200 and rule.body is None and rule.errcode is None:
        raise ValueError("give http_status, body or errcode")
    return rule


def control_payload() -> dict:
    """A control endpoint's input: a JSON object, or a plain HTML form (the phone pages)."""
    if request.form:
        return request.form.to_dict()
    raw = request.get_data()
    if not raw:
        return {}
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise ValueError("a JSON object is expected")
    return payload


def bad_control(message: str, status: int = 400):
    return jsonify({"error": message}), status
