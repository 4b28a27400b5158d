"""Enterprise test fixtures: the cases fixtures (identity app, API client, clean case, credit,
licence and identity rows — the identity wipe also clears bindings, grants and the enterprise
audit, and re-seeds the demo enterprises)."""

from __future__ import annotations

from tests.cases.conftest import _clean, actx, api, identity_app  # noqa: F401
