"""Opt-in pytest plugin: check every error response any test provokes against the app's spec.

    .venv/bin/python -m pytest -p tests.web.contract_plugin tests/cases tests/appointments ...

Every response with status >= 400 that a Flask test client receives is checked by SpecChecker
(declared status, envelope schema, `error` among the response's `x-error-codes`). Violations are
collected and reported at the end of the run, and make the run fail.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.web.contract_check import SpecChecker

_checkers: dict[int, SpecChecker] = {}
_violations: dict[str, int] = {}
_busy = False


def _checker(app) -> SpecChecker:
    checker = _checkers.get(id(app))
    if checker is None:
        checker = _checkers[id(app)] = SpecChecker(app)
    return checker


@pytest.fixture(autouse=True)
def _contract_check(monkeypatch):
    original = FlaskClient.open

    def open_and_check(self, *args, **kwargs):
        global _busy
        resp = original(self, *args, **kwargs)
        platform = "flask-smorest" in self.application.extensions  # not a provider sandbox
        if platform and resp.status_code >= 400 and not _busy and resp.request is not None:
            _busy = True
            try:
                _checker(self.application).check(resp.request.method, resp.request.path, resp)
            except AssertionError as exc:
                key = str(exc).splitlines()[0][:300]
                _violations[key] = _violations.get(key, 0) + 1
            finally:
                _busy = False
        return resp

    monkeypatch.setattr(FlaskClient, "open", open_and_check)
    yield


def pytest_terminal_summary(terminalreporter):
    if _violations:
        terminalreporter.section("contract violations (error responses vs the OpenAPI document)")
        for key, count in sorted(_violations.items()):
            terminalreporter.write_line(f"{count:4d}x {key}")


def pytest_sessionfinish(session, exitstatus):
    if _violations and session.exitstatus == 0:
        session.exitstatus = 1
