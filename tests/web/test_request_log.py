from __future__ import annotations

import logging


def test_request_id_is_accepted_and_returned(client):
    resp = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["X-Request-ID"] == "abc-123"


def test_request_id_is_generated_when_missing_or_malformed(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    bad = client.get("/healthz", headers={"X-Request-ID": "bad id; drop"}).headers["X-Request-ID"]
    assert bad != "bad id; drop" and len(bad) == 32


def test_access_log_has_route_and_request_id_but_no_query(client, caplog):
    caplog.set_level(logging.INFO, logger="app.access")
    client.get("/api/v1/services?q=13800138000", headers={"X-Request-ID": "log-check"})
    lines = [r for r in caplog.records if r.name == "app.access"]
    assert lines, "no access log line"
    record = lines[-1]
    assert record.request_id == "log-check"
    text = record.getMessage()
    assert "/api/v1/services" in text and "200" in text
    assert "13800138000" not in text
