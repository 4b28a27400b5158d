"""The reference: a bare Flask app answering the same book / cancel shapes with a small JSON body,
served by gunicorn with the same settings in the same run."""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/api/v1/appointments")
def book():
    body = request.get_json(force=True)
    return {"id": body["slot_id"], "status": "booked", "checkin_code": "123456"}, 201


@app.delete("/api/v1/appointments/<int:appointment_id>")
def cancel(appointment_id: int):
    return {"id": appointment_id, "status": "cancelled"}
