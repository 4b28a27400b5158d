"""An unreachable database is a 503 DATABASE_UNAVAILABLE envelope with Retry-After, declared by
the operation, on SQLite and PostgreSQL alike; /readyz names it in `checks`."""

from __future__ import annotations

import socket

import pytest

from app import create_app
from tests.web.contract_check import ContractClient


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unreachable_urls(tmp_path) -> list[str]:
    return [
        f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}",
        f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/zsb?connect_timeout=2",
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def broken(request, app, tmp_path):
    url = dict(zip(("sqlite", "postgresql"), _unreachable_urls(tmp_path), strict=True))[request.param]
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url)


def test_api_answers_503_database_unavailable(broken):
    api = ContractClient(broken)
    for resp in (
        api.post("/staff/api/v1/auth/login", json={"username": "clerk-a", "password": "correct-horse-battery"}),
        api.post("/api/v1/auth/sms", json={"mobile": "13800138000", "code": "123456"}),
        api.get("/api/v1/services?q=身份证"),
        api.get("/api/v1/divisions"),
    ):
        assert resp.status_code == 503, resp.get_json()
        body = resp.get_json()
        assert body["error"] == "DATABASE_UNAVAILABLE"
        assert body["message"] == "系统繁忙，请稍后再试"
        assert int(resp.headers["Retry-After"]) >= 1
        assert "postgres" not in resp.get_data(as_text=True) and "sqlite" not in resp.get_data(as_text=True)


def test_readyz_documents_its_checks(broken):
    api = ContractClient(broken)
    resp = api.get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["error"] == "NOT_READY" and body["checks"]["database"] == "unreachable"
    api.checker.check("GET", "/readyz", resp, bodies_of_success=True)
    spec = api.checker.spec
    schemas = spec["components"]["schemas"]

    def resolve(schema):
        return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    ready = spec["paths"]["/readyz"]["get"]["responses"]
    for status in ("200", "503"):
        body = resolve(ready[status]["content"]["application/json"]["schema"])
        assert "checks" in body["required"]
        assert set(resolve(body["properties"]["checks"])["properties"]) == {"database", "redis", "catalog_index"}


def test_readyz_ok_validates(client, app):
    from app.catalog.service import warm_up

    with app.app_context():
        warm_up()
    api = ContractClient(app)
    resp = api.get("/readyz")
    assert resp.status_code == 200
    api.checker.check("GET", "/readyz", resp, bodies_of_success=True)
