"""Check responses against the app's own OpenAPI document.

`ContractClient(app)` is a test client whose every response is checked: its status must be
declared by the operation the request matched (explicitly, not only by `default`), an error body
must validate against the declared schema, and its `error` must be one of the response's
`x-error-codes`. Requests matching no route (404, 405) must be the error envelope.
"""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException

_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    return _PARAM.sub(r"{\1}", rule)


class SpecChecker:
    def __init__(self, app):
        self.app = app
        self.spec = app.test_client().get("/openapi.json").get_json()
        self.checked: list[tuple[str, str, int, str | None]] = []

    def schema_validator(self, schema: dict) -> Draft202012Validator:
        # OpenAPI 3.1 schemas are JSON Schema 2020-12; refs point into the document's components
        root = {**schema, "components": self.spec["components"]}
        return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def operation(self, method: str, path: str) -> tuple[str | None, dict | None]:
        adapter = self.app.url_map.bind("localhost")
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except HTTPException:
            return None, None
        oa_path = openapi_path(rule.rule)
        return oa_path, (self.spec["paths"].get(oa_path) or {}).get(method.lower())

    def envelope_errors(self, body) -> list[str]:
        validator = self.schema_validator({"$ref": "#/components/schemas/ErrorEnvelope"})
        return [e.message for e in validator.iter_errors(body)]

    def check(self, method: str, path: str, resp, *, bodies_of_success: bool = False) -> dict | None:
        """Assert `resp` is what the spec declares; the declared response object (None for no route)."""
        status = resp.status_code
        oa_path, op = self.operation(method, path)
        body = resp.get_json(silent=True)
        self.checked.append((method, oa_path or path, status, (body or {}).get("error") if status >= 400 else None))
        if op is None:
            assert status in (404, 405), (method, path, status)
            assert not self.envelope_errors(body), (method, path, self.envelope_errors(body))
            return None
        declared = op["responses"].get(str(status))
        assert declared is not None, f"{method} {oa_path}: status {status} not declared ({sorted(op['responses'])})"
        if status < 400 and not bodies_of_success:
            return declared
        content = declared.get("content") or {}
        if not content:
            assert not resp.data, f"{method} {oa_path}: {status} declares no body"
            return declared
        assert resp.mimetype in content, f"{method} {oa_path}: {status} {resp.mimetype} not in {sorted(content)}"
        schema = content[resp.mimetype].get("schema") or {}
        if resp.mimetype == "application/json":
            problems = [e.message for e in self.schema_validator(schema).iter_errors(body)]
            assert not problems, f"{method} {oa_path} {status}: {problems} in {body}"
        elif "enum" in schema:
            assert resp.get_data(as_text=True) in schema["enum"]
        codes = declared.get("x-error-codes")
        if codes and isinstance(body, dict) and "error" in body:
            assert body["error"] in codes, f"{method} {oa_path} {status}: {body['error']} not in {codes}"
        if "Retry-After" in resp.headers:
            assert "Retry-After" in (declared.get("headers") or {}), f"{method} {oa_path} {status}: Retry-After"
            assert int(resp.headers["Retry-After"]) >= 1
        return declared


class ContractClient:
    """A Flask test client that checks every response with a SpecChecker."""

    def __init__(self, app, checker: SpecChecker | None = None):
        self.client = app.test_client()
        self.checker = checker or SpecChecker(app)

    def open(self, path: str, method: str = "GET", **kwargs):
        resp = self.client.open(path, method=method, **kwargs)
        self.checker.check(method, path.split("?", 1)[0], resp)
        return resp

    def get(self, path, **kw):
        return self.open(path, "GET", **kw)

    def post(self, path, **kw):
        return self.open(path, "POST", **kw)

    def put(self, path, **kw):
        return self.open(path, "PUT", **kw)

    def patch(self, path, **kw):
        return self.open(path, "PATCH", **kw)

    def delete(self, path, **kw):
        return self.open(path, "DELETE", **kw)
