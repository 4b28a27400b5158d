"""The catalog views' fast bodies are what the documented schemas dump: every list page and every
guide of the demo catalog, field for field and in the same order (so the same bytes and ETag)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.catalog import service as catalog
from app.catalog.models import ServiceItem
from app.catalog.reads import stored_as_served
from app.extensions import db
from app.web.http_cache import etag_for
from miniprogram_api.catalog import guide_body, page_body, page_json
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
        encoded = catalog.search_services(**query, page=page_no, page_size=7, as_json=True)
        assert page_json(encoded) == _text(schema.dump(page)).encode()
        if page_no * 7 >= page.total:
            break
        page_no += 1
    assert page_no > 1 or query


def test_guide_body_is_the_schema_dump_for_every_item(ctx):
    schema = ServiceGuideSchema()
    for item in items():
        guide = catalog.get_service(item["implementation_code"])
        assert _text(guide_body(guide)) == _text(schema.dump(guide)), item["implementation_code"]


def test_every_summary_is_served_as_the_schema_dumps_it(ctx):
    """The index's encoded summaries (one per item, list order) are the schema's dump of the
    summaries, byte for byte, over the whole demo catalog; and a list page served over HTTP is
    the schema's dump of the same page."""
    idx = catalog._index()
    schema = ServicePageSchema()
    for p in range(idx.n):
        one = schema.dump(catalog.ServicePage(items=[idx.summary(p)], total=1, page=1, page_size=1))
        assert b'{"items":[' + idx.summary_json(p) + b"]" == _text(one).encode().split(b',"total"')[0]
    assert p + 1 == len(items())


def test_the_served_page_is_the_schema_dump(client, ctx):
    for params in (
        {"q": "身份证", "page_size": 5},
        {"page": 2, "page_size": 9, "audience": "individual"},
        {"q": "zzzz"},
    ):
        resp = client.get("/api/v1/services", query_string=params)
        assert resp.data == _text(ServicePageSchema().dump(catalog.search_services(**params))).encode()


def test_the_served_body_is_the_fast_body(client, ctx):
    code = items()[0]["implementation_code"]
    resp = client.get(f"/api/v1/services/{code}")
    assert resp.get_json() == ServiceGuideSchema().dump(catalog.get_service(code))
    resp = client.get("/api/v1/services", query_string={"q": "身份证", "page_size": 5})
    assert resp.get_json() == ServicePageSchema().dump(catalog.search_services(q="身份证", page_size=5))


def test_the_detail_body_is_the_stored_text_and_the_schema_dump_for_every_item(client, ctx):
    """The detail endpoint sends the guide column's stored text (models.ServedJSON): byte for byte
    what the schema dumps of `get_service`, and the ETag of those bytes."""
    schema = ServiceGuideSchema()
    for item in items():
        code = item["implementation_code"]
        expected = _text(schema.dump(catalog.get_service(code))).encode()
        assert catalog.guide_text(code).encode() == expected, code
        resp = client.get(f"/api/v1/services/{code}")
        assert resp.status_code == 200 and resp.data == expected, code
        assert resp.headers["ETag"] == etag_for(expected)


def test_a_guide_stored_in_the_old_form_or_not_at_all_is_served_the_same(app, client, fresh_catalog):
    """A guide written before the column stored the served form (json.dumps's default: spaces,
    ASCII escapes), or never written, is still served as the schema dumps it."""
    first, second = items()[0]["implementation_code"], items()[1]["implementation_code"]
    with app.app_context():
        expected = {c: _text(ServiceGuideSchema().dump(catalog.get_service(c))).encode() for c in (first, second)}
        old_form = json.dumps(catalog.get_service(first))
        assert not stored_as_served(old_form) and stored_as_served(expected[first].decode())
        table = ServiceItem.__table__
        db.session.execute(  # the text as the old column type wrote it
            sa.text("UPDATE service_items SET guide = :guide WHERE implementation_code = :code"),
            {"guide": old_form, "code": first},
        )
        db.session.execute(sa.update(table).where(table.c.implementation_code == second).values(guide=sa.null()))
        db.session.commit()
        catalog.bump_revision()
        db.session.commit()
        # the null guide is built now, from the row (its updated_at moved with the update)
        expected[second] = _text(ServiceGuideSchema().dump(catalog.get_service(second))).encode()
        for code in (first, second):
            assert catalog.guide_text(code).encode() == expected[code]
    for code in (first, second):
        assert client.get(f"/api/v1/services/{code}").data == expected[code]


def test_the_detail_body_follows_a_catalog_change(app, client, tmp_path, fresh_catalog):
    """Re-importing an item rewrites its stored guide: the next detail answer is the new schema
    dump, byte for byte."""
    src = dict(items()[0])
    code = src["implementation_code"]
    before = client.get(f"/api/v1/services/{code}").data
    src["name"] = src["name"] + "（调整）"
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"format": "zhangshangban.catalog/1", "items": [src]}, ensure_ascii=False), "utf-8")
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(path)]).exit_code == 0
    after = client.get(f"/api/v1/services/{code}").data
    with app.app_context():
        assert after == _text(ServiceGuideSchema().dump(catalog.get_service(code))).encode()
    assert after != before and "（调整）" in after.decode()
