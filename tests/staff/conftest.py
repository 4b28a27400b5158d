"""Staff test fixtures: clean staff tables (and identity's, for the citizen-token cases)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.staff.models import TABLES
from tests.identity.conftest import _wipe as _wipe_identity
from tests.identity.conftest import api, identity_app  # noqa: F401 - fixtures reused


def _wipe(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()
    _wipe_identity(app)


@pytest.fixture(autouse=True)
def _clean(app):
    _wipe(app)
    yield
    _wipe(app)
