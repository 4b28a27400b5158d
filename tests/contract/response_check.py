"""Opt-in pytest plugin: every JSON response any test gets from a Flask test client is validated
against the schema its operation declares for that status (the app's own /openapi.json).

    .venv/bin/python -m pytest -p tests.contract.response_check tests/

Violations are listed at the end and fail the run. It turns the whole suite's success paths into
contract checks (the fuzzer mostly reaches error answers); run it when schemas or presenters change.
"""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException

_state = threading.local()
_specs: dict[int, tuple[dict, dict]] = {}
_validators: dict[tuple[int, str, str, str], Draft202012Validator] = {}
violations: set[str] = set()


def _spec(app) -> tuple[dict, dict]:
    from app.web.openapi import operation_endpoints

    if id(app) not in _specs:
        doc = app.test_client().get("/openapi.json").get_json()
        paths = {(endpoint, method): path for (path, method), endpoint in operation_endpoints(app).items()}
        _specs[id(app)] = (doc, paths)
    return _specs[id(app)]


def check(app, response) -> None:
    request = response.request
    if request.path == "/openapi.json" or not response.is_json:
        return
    doc, paths = _spec(app)
    method = request.method.lower()
    try:
        endpoint, _ = app.url_map.bind("localhost").match(request.path, request.method)
    except HTTPException:
        return
    path = paths.get((endpoint, method))
    operation = doc["paths"].get(path, {}).get(method)
    if operation is None:
        return
    status = str(response.status_code)
    declared = operation.get("responses", {})
    answer = declared.get(status) or declared.get("default")
    if answer is None:
        violations.add(f"{method.upper()} {path} {status}: status not declared")
        return
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    schema = (answer.get("content") or {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    key = (id(app), path, method, status)
    if key not in _validators:
        root = {**schema, "components": doc["components"]}
        _validators[key] = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in list(_validators[key].iter_errors(response.get_json()))[:3]:
        where = "/".join(str(p) for p in error.absolute_path)
        violations.add(f"{method.upper()} {path} {status}: {error.message[:200]} at /{where}")


_open = FlaskClient.open


def _checked_open(self, *args, **kwargs):
    response = _open(self, *args, **kwargs)
    if not getattr(_state, "busy", False):
        _state.busy = True
        try:
            check(self.application, response)
        finally:
            _state.busy = False
    return response


def pytest_configure(config):
    FlaskClient.open = _checked_open


def pytest_unconfigure(config):
    FlaskClient.open = _open


def pytest_terminal_summary(terminalreporter):
    if violations:
        terminalreporter.section("responses outside the contract")
        for line in sorted(violations):
            terminalreporter.write_line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if violations and session.exitstatus == 0:
        session.exitstatus = 1
