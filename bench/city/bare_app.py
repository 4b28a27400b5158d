"""The reference: a bare Flask app answering every GET with a small JSON body, served by gunicorn
with the same settings in the same run."""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.get("/<path:path>")
def anything(path: str):
    return {"path": path, "query": request.query_string.decode(), "items": [], "total": 0}
