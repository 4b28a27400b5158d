from __future__ import annotations


def test_openapi_is_3_1_and_lists_the_catalog(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/api/v1/services", "/api/v1/services/{code}", "/api/v1/departments", "/api/v1/themes", "/readyz"):
        assert path in spec["paths"], path
    params = {p["name"] for p in spec["paths"]["/api/v1/services"]["get"]["parameters"]}
    assert {
        "q",
        "department",
        "audience",
        "theme",
        "level",
        "mobile",
        "online_only",
        "visits",
        "page",
        "page_size",
    } <= params
    # errors are documented with the envelope
    assert "error" in spec["components"]["schemas"]["ErrorEnvelope"]["properties"]


def test_swagger_ui_is_served_without_a_cdn(client):
    html = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
