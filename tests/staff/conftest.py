"""Staff test fixtures: clean staff tables (and identity's, for the citizen-token cases)."""

from __future__ import annotations

import pytest

from app.staff.models import TABLES
from tests.identity.conftest import _wipe as _wipe_identity
from tests.identity.conftest import api, identity_app  # noqa: F401 - fixtures reused
from tests.wipe import delete_rows


def _wipe(app) -> None:
    delete_rows(app, TABLES)
    _wipe_identity(app)


@pytest.fixture(autouse=True)
def _clean(app):
    _wipe(app)
    yield
    _wipe(app)
