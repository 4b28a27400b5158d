"""Credit test fixtures: the cases fixtures (identity app, clean case/credit/identity rows)."""

from __future__ import annotations

from tests.cases.conftest import _clean, actx, api, identity_app  # noqa: F401
