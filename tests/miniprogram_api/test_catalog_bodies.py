"""The catalog views' fast bodies are what the documented schemas dump: every list page and every
guide of the demo catalog, field for field and in the same order (so the same bytes and ETag)."""

from __future__ import annotations

import json

import pytest

from app.catalog import service as catalog
from miniprogram_api.catalog import guide_body, page_body
from miniprogram_api.catalog_schemas import ServiceGuideSchema, ServicePageSchema
from tests.catalog.seedview import items


def _text(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "身份证"},
        {"q": "sfz"},
        {"audience": "legal_person"},
        {"online_only": True, "visits": 1},
    ],
)
def test_page_body_is_the_schema_dump(ctx, query):
    schema = ServicePageSchema()
    page_no = 1
    while True:
        page = catalog.search_services(**query, page=page_no, page_size=7)
        assert _text(page_body(page)) == _text(schema.dump(page))
        if page_no * 7 >= page.total:
            break
        page_no += 1
    assert page_no > 1 or query


def test_guide_body_is_the_schema_dump_for_every_item(ctx):
    schema = ServiceGuideSchema()
    for item in items():
        guide = catalog.get_service(item["implementation_code"])
        assert _text(guide_body(guide)) == _text(schema.dump(guide)), item["implementation_code"]


def test_the_served_body_is_the_fast_body(client, ctx):
    code = items()[0]["implementation_code"]
    resp = client.get(f"/api/v1/services/{code}")
    assert resp.get_json() == ServiceGuideSchema().dump(catalog.get_service(code))
    resp = client.get("/api/v1/services", query_string={"q": "身份证", "page_size": 5})
    assert resp.get_json() == ServicePageSchema().dump(catalog.search_services(q="身份证", page_size=5))
