"""A loopback stand-in for Aliyun SendSms: checks the signature as Aliyun does and answers in
its JSON format (`answer`, `status` and `raw` set per test)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

from app.clients.sms import AliyunSmsClient

SECRET = "fake-secret"


class FakeAliyun(BaseHTTPRequestHandler):
    answer: dict = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}
    status = 200
    raw: bytes | None = None
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        signature = query.pop("Signature", None)
        type(self).seen.append(query)
        if signature != AliyunSmsClient.sign(SECRET, query):
            body, status = json.dumps({"Code": "SignatureDoesNotMatch"}).encode(), 400
        else:
            body, status = self.raw if self.raw is not None else json.dumps(self.answer).encode(), self.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(monkeypatch):
    """For a fixture (`yield from serve(monkeypatch)`): the endpoint URL, the handler's answer
    reset after the test."""
    for name in ("answer", "status", "raw"):
        monkeypatch.setattr(FakeAliyun, name, getattr(FakeAliyun, name))
    FakeAliyun.seen = []
    server = HTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
