"""Request ids and one access-log line per request.

The log line carries method, route pattern, status and duration — never the query string or the
body, which may hold personal data (a search for an ID number, a phone number).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("app.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged inside a request (or '-' outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") or record.request_id is None:
            try:
                record.request_id = g.get("request_id", "-")
            except RuntimeError:  # outside an app context
                record.request_id = "-"
        return True


def configure_logging(app: Flask) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # HTTP client libraries log full URLs at DEBUG, and WeChat puts secrets and access tokens in
    # query strings: keep them at INFO whatever the root level is.
    for noisy in ("urllib3", "requests"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        started = g.get("started")
        if started is not None:
            rule = request.url_rule.rule if request.url_rule else "<unmatched>"
            log.info(
                "%s %s %s %.1fms",
                request.method,
                rule,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                extra={"request_id": request_id},
            )
        return response
