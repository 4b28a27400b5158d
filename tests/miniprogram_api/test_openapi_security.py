"""The citizen auth and identity endpoints are in the OpenAPI document, bearer-protected ones marked."""

from __future__ import annotations


def test_identity_paths_and_bearer_security(api):
    spec = api.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    public = {
        ("/api/v1/auth/wechat", "post"),
        ("/api/v1/auth/wechat-app", "post"),
        ("/api/v1/auth/alipay", "post"),
        ("/api/v1/auth/sms/send", "post"),
        ("/api/v1/auth/sms", "post"),
        ("/api/v1/auth/refresh", "post"),
    }
    protected = {
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/face", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/channels/{channel}", "delete"),
        ("/api/v1/identity/realname", "post"),
        ("/api/v1/identity/face/start", "post"),
        ("/api/v1/identity/face/complete", "post"),
        ("/api/v1/identity/verifications", "get"),
    }
    for path, method in public | protected:
        operation = spec["paths"][path][method]
        assert operation["summary"], path
        assert ("security" in operation) == ((path, method) in protected), path
    assert spec["paths"]["/api/v1/identity/realname"]["post"]["summary"].startswith("Prove my real name")
