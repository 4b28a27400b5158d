"""Security headers on every response, set in one place (registered once by the factory).

- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`
  everywhere;
- `Content-Security-Policy`: for the API (JSON, PNG, SVG …) nothing may load or run and nothing
  may frame it; the Swagger UI page (/docs) may load its own assets and run exactly its inline
  script (by hash), still unframeable;
- `Strict-Transport-Security` on https: `request.is_secure`, which behind a proxy reflects
  X-Forwarded-Proto once PROXY_FIX_X_PROTO is set (werkzeug ProxyFix, installed here too);
- `Cache-Control: no-store` on everything a view has not marked `public` itself: the catalog
  (app/web/http_cache.py) and the Swagger UI assets keep their caching; every authenticated
  answer, every answer carrying personal data and every error is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def init_app(app: Flask) -> None:
    proxies = {
        "x_for": app.config.get("PROXY_FIX_X_FOR", 0),
        "x_proto": app.config.get("PROXY_FIX_X_PROTO", 0),
        "x_host": app.config.get("PROXY_FIX_X_HOST", 0),
    }
    if any(proxies.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **proxies)
    docs_prefix = app.config.get("OPENAPI_URL_PREFIX", "/").rstrip("/") + (
        app.config.get("OPENAPI_SWAGGER_UI_PATH") or "/docs"
    )
    hsts = f"max-age={int(app.config.get('HSTS_MAX_AGE', 31536000))}; includeSubDomains"

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            headers["Strict-Transport-Security"] = hsts
        if request.path == docs_prefix and response.mimetype == "text/html":
            headers["Content-Security-Policy"] = DOCS_CSP.format(hashes=_script_hashes(response))
        elif "Content-Security-Policy" not in headers:  # a view's own, stricter policy stays (downloads)
            headers["Content-Security-Policy"] = API_CSP
        if "public" not in (response.cache_control or {}) and "public" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response


def _script_hashes(response: Response) -> str:
    """'sha256-…' of every inline script of the page (the Swagger UI start-up)."""
    if response.direct_passthrough:
        return ""
    body = response.get_data()
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(body)
    )
