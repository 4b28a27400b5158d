"""Every error leaves in the one envelope: unknown routes, wrong methods, bad parameters,
domain errors and unexpected exceptions alike."""

from __future__ import annotations

import pytest

from app import create_app

ENVELOPE_KEYS = {"code", "status", "error", "message", "errors"}


def assert_envelope(resp, status: int, error: str):
    assert resp.status_code == status, resp.data
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert ENVELOPE_KEYS <= set(body)
    assert body["code"] == status
    assert body["error"] == error
    # the citizen's message is Chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


def test_unknown_route(client):
    assert_envelope(client.get("/no/such/route"), 404, "NOT_FOUND")


def test_unknown_api_route(client):
    assert_envelope(client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")


def test_method_not_allowed(client):
    resp = client.delete("/api/v1/services")
    body = assert_envelope(resp, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in resp.headers["Allow"]
    assert body["errors"] == {}


def test_validation_error_names_the_field(client):
    body = assert_envelope(client.get("/api/v1/services?page_size=500"), 422, "VALIDATION_ERROR")
    assert body["errors"]["page_size"] == ["应在1到100之间"]


def test_domain_error(client):
    assert_envelope(client.get("/api/v1/services/NO-SUCH-CODE"), 404, "SERVICE_NOT_FOUND")


def test_unexpected_exception_is_a_500_envelope_without_details(caplog):
    app = create_app("testing")

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals 440301199001011234")

    resp = app.test_client().get("/boom", headers={"X-Request-ID": "req-500"})
    body = assert_envelope(resp, 500, "INTERNAL_ERROR")
    assert "secret" not in resp.get_data(as_text=True)
    assert body["request_id"] == "req-500"
    assert any(r.levelname == "ERROR" and getattr(r, "request_id", None) == "req-500" for r in caplog.records)


@pytest.mark.parametrize(
    "status,error", [(400, "BAD_REQUEST"), (413, "PAYLOAD_TOO_LARGE"), (415, "UNSUPPORTED_MEDIA_TYPE")]
)
def test_http_errors_raised_by_flask(status, error):
    from flask import abort

    app = create_app("testing")

    @app.get("/abort")
    def aborting():
        abort(status)

    assert_envelope(app.test_client().get("/abort"), status, error)
