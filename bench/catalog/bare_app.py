"""The reference: a bare Flask app with one small JSON endpoint, served by gunicorn with the same
settings as the API in the same run (`gunicorn bench.catalog.bare_app:app`)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {"status": "ok", "service": "bare-flask", "items": 0}
