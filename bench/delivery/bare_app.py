"""The reference: a bare Flask app answering SF's route-push POST (form body read) with SF's
success body, served by gunicorn with the same settings in the same run."""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/delivery/notify/sf")
def push():
    request.form.get("msgData")
    return {"return_code": "0000", "return_msg": "成功"}
