"""The reference: a bare Flask app answering the same POST shape as submit with a small JSON body,
served by gunicorn with the same settings in the same run."""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/api/v1/applications/<int:case_id>/submit")
def submit(case_id: int):
    return {"id": case_id, "status": "submitted", "key": request.headers.get("Idempotency-Key")}
