from __future__ import annotations

import socket
import time

from app import create_app
from app.catalog import service as catalog


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_readyz_ok(app, client):
    with app.app_context():
        catalog.warm_up()
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "ok", "catalog_index": "ok"}


def test_readyz_is_not_ready_until_the_catalog_index_is_built(app, client):
    """A process without its search index answers 503 NOT_READY naming it, and asking starts the
    build: once built, the process is ready (no request has to wait for a build)."""
    with app.app_context():
        catalog.warm_up()
    saved, catalog._state.index = catalog._state.index, None
    try:
        resp = client.get("/readyz")
        assert resp.status_code == 503
        body = resp.get_json()
        assert body["error"] == "NOT_READY"
        assert body["checks"] == {"database": "ok", "redis": "ok", "catalog_index": "building"}
        assert "事项搜索索引" in body["message"]
        deadline = time.monotonic() + 60
        while catalog._state.index is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert catalog._state.index is not None and catalog._state.index is not saved
        resp = client.get("/readyz")
        assert resp.status_code == 200 and resp.get_json()["checks"]["catalog_index"] == "ok"
    finally:
        if catalog._state.index is None:
            catalog._state.index = saved


def test_readyz_names_redis_when_it_is_down(app):
    with app.app_context():
        catalog.warm_up()
    broken = create_app("testing", REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["error"] == "NOT_READY"
    assert body["checks"] == {"database": "ok", "redis": "unreachable", "catalog_index": "ok"}
    assert "消息队列" in body["message"]


def test_readyz_names_the_database_when_it_is_down(app, tmp_path):
    missing = tmp_path / "no-such-dir" / "x.db"
    broken = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["database"] == "unreachable"
    assert resp.get_json()["checks"]["catalog_index"] == "not_built"
    assert "数据库" in resp.get_json()["message"]
