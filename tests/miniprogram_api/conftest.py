"""Citizen API test fixtures: the API client on the sandbox-configured app (tests/identity). Tests
here are about the citizen API as such (caching, bearer security in its OpenAPI document); an
endpoint's behaviour is tested with the package whose service it calls."""

from __future__ import annotations

from tests.identity.conftest import api, identity_app  # noqa: F401 - fixtures reused
