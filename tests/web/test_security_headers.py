"""Security headers on representative responses (app/web/security_headers.py): the public
catalog keeps its caching, everything personal or authenticated is never stored, HSTS only on
https (directly or through a configured proxy), the API cannot be framed, /docs still works."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from app import create_app
from tests.identity.conftest import _clean_identity, actx, api, identity_app  # noqa: F401
from tests.identity.helpers import bearer, sms_login

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def assert_everywhere(resp):
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def assert_not_stored(resp):
    assert resp.headers["Cache-Control"] == "no-store"


def test_public_catalog_keeps_its_caching(api):  # noqa: F811
    resp = api.get("/api/v1/services")
    assert resp.status_code == 200
    assert_everywhere(resp)
    assert resp.headers["Content-Security-Policy"] == API_CSP
    assert resp.headers["Cache-Control"].startswith("public, max-age=")
    again = api.get("/api/v1/services", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"].startswith("public")


def test_login_tokens_and_authenticated_answers_are_never_stored(api, identity_app):  # noqa: F811
    send = api.post("/api/v1/auth/sms/send", json={"mobile": "13800138000"})
    assert_everywhere(send)
    assert_not_stored(send)
    tokens = sms_login(api, identity_app, mobile="13700137000")
    me = api.get("/api/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert_everywhere(me)
    assert_not_stored(me)
    # the catalog is public even for a signed-in citizen: same body for everyone
    assert (
        api.get("/api/v1/services", headers=bearer(tokens["access_token"]))
        .headers["Cache-Control"]
        .startswith("public")
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/me", None),
        ("get", "/api/v1/no-such-thing", None),
        ("post", "/staff/api/v1/auth/login", {"username": "nobody", "password": "wrong-password"}),
        ("get", "/staff/api/v1/me", None),
    ],
)
def test_errors_and_staff_answers_are_never_stored(api, method, path, body):  # noqa: F811
    resp = getattr(api, method)(path, json=body)
    assert resp.status_code >= 400
    assert_everywhere(resp)
    assert resp.headers["Content-Security-Policy"] == API_CSP
    assert_not_stored(resp)


def test_hsts_only_on_https(api):  # noqa: F811
    assert "Strict-Transport-Security" not in api.get("/api/v1/services").headers
    secure = api.get("/api/v1/services", base_url="https://zsb.example.gov.cn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # X-Forwarded-Proto is not trusted unless the deployment says a proxy sets it
    forwarded = api.get("/api/v1/services", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forwarded.headers


def test_hsts_behind_a_configured_proxy(app):
    proxied = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        PROXY_FIX_X_PROTO=1,
    )
    client = proxied.test_client()
    resp = client.get("/docs/assets/swagger-ui.css", headers={"X-Forwarded-Proto": "https"})
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/docs/assets/swagger-ui.css").headers


def test_swagger_ui_still_works_under_its_policy(api):  # noqa: F811
    page = api.get("/docs")
    assert page.status_code == 200
    assert_everywhere(page)
    policy = page.headers["Content-Security-Policy"]
    # exactly the page's inline start-up script may run, and only scripts of our own origin
    scripts = re.findall(rb"<script>(.*?)</script>", page.data, re.S)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-eval'" not in policy
    for asset in re.findall(rb'(?:src|href)="([^"]+)"', page.data):
        resp = api.get(asset.decode())
        assert resp.status_code == 200, asset
        assert resp.headers["Cache-Control"].startswith("public")  # static, not personal
    spec = api.get("/openapi.json")
    assert spec.status_code == 200 and spec.headers["X-Content-Type-Options"] == "nosniff"
