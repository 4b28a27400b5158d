"""The seed file read directly, so tests compute what the API should answer on their own."""

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
