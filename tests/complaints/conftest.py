"""Complaints test fixtures: the engagement clean slate of tests/engagement.py and the identity
fixtures (sandbox app, API client)."""

from __future__ import annotations

from tests.engagement import _clean  # noqa: F401 - fixtures reused
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
