"""The citizen API's response caching (miniprogram_api/cache.py, app/web/http_cache.py): ETags and
304s on the read-mostly catalog endpoints, new ETags when the catalog changes, no caching of
errors."""

from __future__ import annotations

import pytest

from tests.catalog.seedview import all_codes, items


@pytest.mark.parametrize(
    "url",
    ["/api/v1/services?q=sfz", "/api/v1/departments", "/api/v1/themes"],
)
def test_etag_and_304(client, url):
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert "max-age=" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    weak = client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    stale = client.get(url, headers={"If-None-Match": '"not-it"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_detail_etag_changes_when_the_item_changes(app, client, tmp_path, fresh_catalog):
    import json

    src = dict(items()[0])
    url = f"/api/v1/services/{src['implementation_code']}"
    before = client.get(url)
    src["name"] = src["name"] + "（调整）"
    doc = {"format": "zhangshangban.catalog/1", "items": [src]}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["catalog", "import", str(path)]).exit_code == 0
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["name"] == src["name"]
    assert after.headers["ETag"] != before.headers["ETag"]
    # and search sees the new name at once
    assert src["implementation_code"] in all_codes(client, q="（调整）")


def test_errors_are_not_cached(client):
    resp = client.get("/api/v1/services/NOPE")
    assert resp.status_code == 404
    assert "ETag" not in resp.headers
