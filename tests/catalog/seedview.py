"""The seed file read directly, so tests compute what the API should answer on their own; and
every code the list endpoint answers, walking its pages."""

from __future__ import annotations

import json
from functools import cache

from app.catalog.cli import SEED_FILE


@cache
def seed() -> dict:
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))


def items() -> list[dict]:
    return seed()["items"]


def codes(where) -> set[str]:
    return {i["implementation_code"] for i in items() if where(i)}


def by_code(code: str) -> dict:
    return next(i for i in items() if i["implementation_code"] == code)


def all_codes(client, **params) -> list[str]:
    """Every code the list endpoint returns for `params`, walking all pages."""
    out, page = [], 1
    while True:
        resp = client.get("/api/v1/services", query_string={**params, "page": page, "page_size": 100})
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        out += [i["code"] for i in body["items"]]
        if page * 100 >= body["total"]:
            assert len(out) == body["total"]
            return out
        page += 1
