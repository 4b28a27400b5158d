from __future__ import annotations

import socket

from app import create_app


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_readyz_ok(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_names_redis_when_it_is_down(app):
    broken = create_app("testing", REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["error"] == "NOT_READY"
    assert body["checks"] == {"database": "ok", "redis": "unreachable"}
    assert "消息队列" in body["message"]


def test_readyz_names_the_database_when_it_is_down(app, tmp_path):
    missing = tmp_path / "no-such-dir" / "x.db"
    broken = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["database"] == "unreachable"
    assert "数据库" in resp.get_json()["message"]
