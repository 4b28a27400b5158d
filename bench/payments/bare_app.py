"""The reference: a bare Flask app answering a POST of the same size the way WeChat Pay wants
(204, no body), served by gunicorn with the same settings in the same run."""

from __future__ import annotations

from flask import Flask, Response, request

app = Flask(__name__)


@app.post("/payments/notify/<channel>")
def notify(channel: str):
    request.get_data()
    return Response(status=204) if channel == "wechat" else Response("success", mimetype="text/plain")
